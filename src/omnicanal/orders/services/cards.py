"""Stored cards (Webpay Oneclick Mall, orders/oneclick.py): saving one (the inscription's round
trip), removing one, and charging one for an order nobody is present to pay (a subscription's cycle).

The inscription's two calls to Transbank are made outside any transaction (the cardholder waits on
a page; a lock held meanwhile would stall others); each writes in its own short transaction after.
The charge runs in the caller's transaction, on purpose: a decline raises, so the caller's savepoint
rolls the order back (its stock stays held for the retry) instead of leaving a cancelled order per
attempt; once Transbank approved, a failure on our side reverses the charge before it is re-raised.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock, crypto, outbox
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.customers import queries as customers
from omnicanal.orders import events, oneclick
from omnicanal.orders.models import Order, Payment, PaymentStatus, StoredCard, StoredCardStatus
from omnicanal.orders.oneclick import CardDeclined, CardNotSaved, OneclickClient
from omnicanal.orders.services.payments import do_payment_event
from omnicanal.orders.webpay_config import EMAIL_MAX, RESPONSE_URL_MAX, TOKEN, oneclick_config
from omnicanal.orders.webpay_wire import (
    ProviderUnavailable,
    Redirect,
    WebpayError,
    WebpayRefused,
    WebpayUnavailable,
    sign_next,
)

log = logging.getLogger(__name__)

MAX_CARDS = 5  # saved cards per customer: enough for anyone, and a bound on what an abuser can enrol


def do_start_card_inscription(*, customer_id: str, email: str, return_base: str = "", next_path: str = "/") -> Redirect:
    """Open an inscription at Transbank for the signed-in customer: the browser is then sent to the
    answer's URL with a form POST of TBK_TOKEN (Redirect.token). Makes its own transaction."""
    customer_id = customers.resolve_id(customer_id)
    email = (email or "").strip()
    if not email or len(email) > EMAIL_MAX:
        raise ValidationFailed.on("email", _("add an email address to your profile to save a card"))
    if StoredCard.objects.filter(customer_id=customer_id, status=StoredCardStatus.ACTIVE).count() >= MAX_CARDS:
        raise ValidationFailed.on("card", _("you can save at most %(n)s cards") % {"n": MAX_CARDS})
    cfg = oneclick_config()
    base = cfg.return_url or return_base.rstrip("/")
    response_url = f"{base}{oneclick.RETURN_PATH}?{urlencode({'next': sign_next(next_path)})}"
    if len(response_url) > RESPONSE_URL_MAX:
        response_url = f"{base}{oneclick.RETURN_PATH}?{urlencode({'next': sign_next('/')})}"
    try:
        answer = OneclickClient(cfg).start_inscription(username=customer_id, email=email, response_url=response_url)
    except WebpayError as exc:
        log.warning("oneclick start inscription for %s: %s", customer_id, exc)
        raise ProviderUnavailable(detail=_("Transbank did not answer; please try again in a moment.")) from exc
    token, url = str(answer.get("token") or ""), str(answer.get("url_webpay") or "")
    if not TOKEN.match(token) or not url.startswith(("https://", "http://", "/")):
        raise ProviderUnavailable(detail=_("Transbank gave an answer we cannot use."))
    now = clock.now()
    with transaction.atomic():
        # A newer start replaces an unfinished older one (its cardholder left Transbank's form).
        StoredCard.objects.filter(customer_id=customer_id, status=StoredCardStatus.PENDING).delete()
        StoredCard.objects.create(public_id=new_id("crd"), customer_id=customer_id, username=customer_id,
                                  status=StoredCardStatus.PENDING, token=token, created_at=now, updated_at=now)
    return Redirect(url=url, token=token)


def do_finish_card_inscription(*, token: str) -> StoredCard:
    """Transbank sent the cardholder back with TBK_TOKEN: confirm the inscription (PUT) and keep the
    card (tbk_user encrypted, brand, last four digits), or forget the attempt (CardNotSaved). The
    token is the proof: it was handed to this customer's browser only. Makes its own transactions."""
    card = StoredCard.objects.filter(token=token, status=StoredCardStatus.PENDING).first() if TOKEN.match(
        token or "") else None
    if card is None:
        raise NotFound(detail=_("No card is being saved with this link."))
    try:
        answer = OneclickClient().finish_inscription(token)
    except WebpayUnavailable as exc:
        log.warning("oneclick finish inscription %s: %s", card.public_id, exc)
        raise ProviderUnavailable(detail=_("Transbank did not answer; please try again in a moment.")) from exc
    except WebpayRefused as exc:  # expired, or cancelled on the page: Transbank no longer knows the token
        log.info("oneclick refused finishing %s: %s", card.public_id, exc)
        answer = {}
    tbk_user, number = str(answer.get("tbk_user") or ""), str(answer.get("card_number") or "")
    if answer.get("response_code") != 0 or not tbk_user or len(tbk_user) > 40:
        with transaction.atomic():
            StoredCard.objects.filter(pk=card.pk, status=StoredCardStatus.PENDING).delete()
        raise CardNotSaved(detail=_("Transbank did not save the card. You can try again."))
    with transaction.atomic():
        last4 = number[-4:] if number[-4:].isdigit() else ""
        saved = StoredCard.objects.filter(pk=card.pk, status=StoredCardStatus.PENDING).update(
            status=StoredCardStatus.ACTIVE, token="", tbk_user=crypto.encrypt(tbk_user),
            card_type=str(answer.get("card_type") or "")[:20], last4=last4, updated_at=clock.now())
    if not saved:  # a concurrent return finished it first
        raise NotFound(detail=_("No card is being saved with this link."))
    card.refresh_from_db()
    return card


def _forget_at_transbank(cards: list[tuple[str, str]]) -> None:
    """After the commit: delete the inscriptions at Transbank (best effort: logged when it fails)."""
    for stored, username in cards:
        tbk_user = crypto.decrypt(stored)
        if not tbk_user:
            continue
        try:
            OneclickClient().delete_inscription(tbk_user=tbk_user, username=username)
        except WebpayError as exc:
            log.warning("oneclick could not delete an inscription of %s: %s", username, exc)


def do_remove_card(*, customer_id: str, card_id: str) -> None:
    """The customer's card is forgotten here, then (after the commit) at Transbank; StoredCardRemoved
    tells whoever charged it (a subscription pauses)."""
    customer_id = customers.resolve_id(customer_id)
    card = StoredCard.objects.filter(public_id=card_id, customer_id=customer_id).first()
    if card is None:
        raise NotFound(detail=_("No saved card %(id)s.") % {"id": card_id})
    doomed = [(card.tbk_user, card.username)] if card.tbk_user else []
    card.delete()
    if card.status == StoredCardStatus.ACTIVE:
        outbox.emit(events.StoredCardRemoved(card_id=card_id, customer_id=customer_id, why="removed"))
    transaction.on_commit(lambda: _forget_at_transbank(doomed))


def do_erase_cards(*, customer_id: str) -> None:
    """Erasure (orders/handlers.py, beside privacy.do_erase_customer): every card of the person goes, here and then at Transbank."""
    cards = StoredCard.objects.filter(customer_id=customer_id)
    saved = list(cards.filter(status=StoredCardStatus.ACTIVE).values_list("public_id", flat=True))
    doomed = [(tbk_user, username) for tbk_user, username in cards.values_list("tbk_user", "username") if tbk_user]
    cards.delete()
    outbox.emit_many([events.StoredCardRemoved(card_id=card_id, customer_id=customer_id, why="erased")
                      for card_id in saved])
    if doomed:
        transaction.on_commit(lambda: _forget_at_transbank(doomed))


def do_charge_stored_card(*, order: Order, card_id: str) -> Payment:
    """Charge the order's pending Oneclick payment to the customer's saved card, in the caller's
    transaction: approved → captured (the order is paid); declined → CardDeclined (402) and the
    caller rolls back; Transbank silent → ProviderUnavailable (503), the charge reversed in case it
    went through. Only the order's own customer's card may pay it."""
    pay = Payment.objects.filter(order=order, provider=oneclick.NAME, status=PaymentStatus.PENDING).first()
    if pay is None:
        raise InvalidTransition(detail=_("Order %(n)s has no card payment waiting.") % {"n": order.number})
    card = StoredCard.objects.filter(public_id=card_id, customer_id=order.customer_id,
                                     status=StoredCardStatus.ACTIVE).first()
    tbk_user = crypto.decrypt(card.tbk_user) if card is not None else ""
    if card is None or not tbk_user:
        raise ValidationFailed.on("card_id", _("is not a saved card of this customer"))
    buy_order = pay.public_id.removeprefix("pay_")
    client = OneclickClient()
    try:
        answer = client.authorize(username=card.username, tbk_user=tbk_user, buy_order=buy_order, amount=pay.amount)
    except WebpayUnavailable as exc:
        log.warning("oneclick authorize %s: %s", pay.public_id, exc)
        oneclick.reverse(buy_order, pay.amount)
        raise ProviderUnavailable(detail=_("Transbank did not answer the charge; it will be tried again.")) from exc
    except WebpayRefused as exc:
        raise CardDeclined(detail=_("Transbank refused the charge: %(why)s") % {"why": exc}) from exc
    if not oneclick.charge_approved(answer, buy_order=buy_order, amount=pay.amount,
                                    child_code=client.cfg.child_commerce_code):
        details = answer.get("details") or [{}]
        if isinstance(details[0], dict) and details[0].get("status") == "AUTHORIZED":
            log.error("oneclick answer for %s does not match ours: %s", pay.public_id, details[0])
            oneclick.reverse(buy_order, pay.amount)
        raise CardDeclined(detail=_("The card ending in %(last4)s was declined.") % {"last4": card.last4})
    try:
        do_payment_event(provider=oneclick.NAME, event_id=f"authorize:{buy_order}", payment_id=pay.public_id,
                         status="captured")
    except Exception:
        oneclick.reverse(buy_order, pay.amount)  # approved at Transbank, not recorded here: give it back
        raise
    pay.refresh_from_db()
    return pay

"""Stored cards (Webpay Oneclick Mall, orders/oneclick.py): saving one (the inscription's round
trip) and removing one. Charging one is card_charges.py.

The inscription's two calls to Transbank are made outside any transaction (the cardholder waits on
a page; a lock held meanwhile would stall others); each writes in its own short transaction after.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock, crypto, outbox
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.customers import queries as customers
from omnicanal.orders import events, oneclick
from omnicanal.orders.models import StoredCard, StoredCardStatus
from omnicanal.orders.oneclick import CardNotSaved, OneclickClient
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

"""Charging a saved card (Webpay Oneclick Mall, orders/oneclick.py) for an order nobody is present to
pay (a subscription's cycle), so that a crash at ANY point ends with a paid order or no charge:

1. the order and its pending Oneclick payment are placed and committed first (the caller's
   transaction): there is never a charge without its order;
2. `do_charge_stored_card`, called outside any transaction, claims the payment in a short transaction
   of its own (its `provider_ref`, the payment's id at placement, becomes the buy order, under the
   order's row lock): only the claimer calls Transbank, so two workers charge once;
3. it authorizes at Transbank (the buy order is the payment's id without `pay_`, and Transbank
   refuses a buy order twice) and records the answer in a transaction of its own: approved →
   captured (the order is paid); declined → failed (the order is cancelled, its units released);
   Transbank silent → the payment stays pending, claimed;
4. `do_settle_card_charges` (tasks.py, every 5 minutes) asks Transbank's status (GET
   .../transactions/{buy_order}) for claimed payments pending longer than SETTLE_MINUTES:
   AUTHORIZED for us → captured; failed, reversed or unknown to Transbank → failed; silent → the
   next run. A payment never claimed after UNCLAIMED_HOURS was never sent: failed.

An approval that arrives for a payment already failed (the sweep decided first) is reversed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock, crypto
from omnicanal.core.errors import NotFound
from omnicanal.orders import locks, oneclick
from omnicanal.orders.models import Order, Payment, PaymentStatus, StoredCard, StoredCardStatus
from omnicanal.orders.oneclick import OneclickClient
from omnicanal.orders.services.payments import do_payment_event
from omnicanal.orders.webpay_config import oneclick_config
from omnicanal.orders.webpay_wire import WebpayRefused, WebpayUnavailable

log = logging.getLogger(__name__)

SETTLE_MINUTES = 5  # far above the client's timeout: a claimed charge this old has its answer or none
UNCLAIMED_HOURS = 6  # a subscription's hourly run claims its order's payment long before
NOT_FOUND = (404, 422)  # how Transbank answers a buy order it does not know


@dataclasses.dataclass(frozen=True)
class CardCharge:
    """Where a charge stands after a call: captured, declined (the order cancelled) or pending;
    `decided`: this call settled it (another worker's, or an earlier call's, outcome is not)."""

    order_id: str
    result: str
    detail: str = ""
    decided: bool = False


@dataclasses.dataclass(frozen=True)
class _Claim:
    payment_id: str
    order_id: str
    buy_order: str
    amount: Decimal
    username: str
    tbk_user: str
    last4: str


def do_charge_stored_card(*, order_id: str, card_id: str) -> CardCharge:
    """Charge the order's pending Oneclick payment to the customer's saved card. Makes its own
    transactions: call it after the order's placement committed, never inside a transaction."""
    claim = _claim(order_id, card_id)
    if isinstance(claim, CardCharge):
        return claim
    client = OneclickClient()
    try:
        answer = client.authorize(username=claim.username, tbk_user=claim.tbk_user, buy_order=claim.buy_order,
                                  amount=claim.amount)
    except WebpayUnavailable as exc:  # it may have gone through: the sweep asks Transbank later
        log.warning("oneclick authorize %s: %s (left pending for the sweep)", claim.payment_id, exc)
        return CardCharge(claim.order_id, "pending", str(exc))
    except WebpayRefused as exc:  # refused as a call (e.g. the buy order already used): its status tells
        log.info("oneclick refused authorizing %s: %s", claim.payment_id, exc)
        return _by_status(claim.payment_id, claim.order_id, claim.buy_order, claim.amount, event="charge")
    result = _decide(claim.payment_id, claim.buy_order, claim.amount, answer, event="charge")
    detail = _("The card ending in %(last4)s was declined.") % {"last4": claim.last4} if result == "declined" else ""
    return CardCharge(claim.order_id, result, detail, decided=True)


def _sent(pay: Payment) -> bool:
    """Claimed for Transbank: its provider_ref is the buy order (placement left it the payment's id)."""
    return pay.provider_ref not in ("", pay.public_id)


def _claim(order_id: str, card_id: str) -> _Claim | CardCharge:
    """Under the order's lock: the payment marked as sent (once), or why nothing is to be sent."""
    with transaction.atomic():
        found = Order.objects.filter(public_id=order_id).values_list("pk", flat=True).first()
        if found is None:
            raise NotFound(detail=_("No order %(id)s.") % {"id": order_id})
        order = locks.order(found)
        pay = Payment.objects.filter(order=order, provider=oneclick.NAME).order_by("-pk").first()
        if pay is None or pay.status != PaymentStatus.PENDING:
            captured = pay is not None and pay.status == PaymentStatus.CAPTURED
            return CardCharge(order_id, "captured" if captured else "declined")
        if _sent(pay):  # another worker sent it (or is sending it): never twice
            return CardCharge(order_id, "pending")
        card = StoredCard.objects.filter(public_id=card_id, customer_id=order.customer_id,
                                         status=StoredCardStatus.ACTIVE).first()
        tbk_user = crypto.decrypt(card.tbk_user) if card is not None else ""
        if card is None or not tbk_user:  # nothing can be charged: the order goes, its units with it
            do_payment_event(provider=oneclick.NAME, event_id=f"nocard:{pay.public_id}", payment_id=pay.public_id,
                             status="failed")
            return CardCharge(order_id, "declined", _("The card is no longer saved."), decided=True)
        buy_order = pay.public_id.removeprefix("pay_")
        Payment.objects.filter(pk=pay.pk).update(provider_ref=buy_order, updated_at=clock.now())
    return _Claim(payment_id=pay.public_id, order_id=order_id, buy_order=buy_order, amount=pay.amount,
                  username=card.username, tbk_user=tbk_user, last4=card.last4)


def _decide(payment_id: str, buy_order: str, amount: Decimal, answer: dict | None, *, event: str) -> str:
    """Record Transbank's answer in a transaction of its own: "captured" or "declined"."""
    child = oneclick_config().child_commerce_code
    approved = oneclick.charge_approved(answer, buy_order=buy_order, amount=amount, child_code=child)
    details = (answer or {}).get("details") or [{}]
    if not approved and isinstance(details[0], dict) and details[0].get("status") == "AUTHORIZED":
        log.error("oneclick answer for %s does not match ours: %s", payment_id, details[0])
        oneclick.reverse(buy_order, amount)
    with transaction.atomic():
        do_payment_event(provider=oneclick.NAME, event_id=f"{event}:{buy_order}", payment_id=payment_id,
                         status="captured" if approved else "failed")
    status = Payment.objects.filter(public_id=payment_id).values_list("status", flat=True).get()
    if approved and status != PaymentStatus.CAPTURED:  # the sweep failed it first: keep no money for it
        log.error("oneclick approved %s after it was settled as %s: reversing", payment_id, status)
        oneclick.reverse(buy_order, amount)
    return "captured" if status == PaymentStatus.CAPTURED else "declined"


def _by_status(payment_id: str, order_id: str, buy_order: str, amount: Decimal, *, event: str) -> CardCharge:
    """Transbank's status of the buy order decides; silent (or an unexpected refusal) → still pending."""
    try:
        answer: dict | None = OneclickClient().status(buy_order)
    except WebpayUnavailable as exc:
        log.warning("oneclick status %s: %s", payment_id, exc)
        return CardCharge(order_id, "pending", str(exc))
    except WebpayRefused as exc:
        if exc.status not in NOT_FOUND:  # e.g. our keys refused: that says nothing about the charge
            log.error("oneclick status %s refused: %s", payment_id, exc)
            return CardCharge(order_id, "pending", str(exc))
        answer = None  # Transbank never took this buy order: nothing was charged
    return CardCharge(order_id, _decide(payment_id, buy_order, amount, answer, event=event), decided=True)


def _fail_unclaimed(payment_id: str) -> bool:
    """A payment nobody ever sent to Transbank: failed (the order cancelled), unless claimed meanwhile."""
    with transaction.atomic():
        pay = Payment.objects.filter(public_id=payment_id).first()
        if pay is None:
            return False
        locks.order(pay.order_id)
        pay.refresh_from_db()
        if pay.status != PaymentStatus.PENDING or _sent(pay):
            return False
        do_payment_event(provider=oneclick.NAME, event_id=f"unclaimed:{payment_id}", payment_id=payment_id,
                         status="failed")
    return True


def do_settle_card_charges(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The reconciliation sweep: Oneclick payments pending past SETTLE_MINUTES are settled by
    Transbank's status (one transaction each, outside any transaction); how many were settled."""
    now = now or clock.now()
    stale = list(Payment.objects.select_related("order").filter(
        provider=oneclick.NAME, status=PaymentStatus.PENDING,
        updated_at__lt=now - dt.timedelta(minutes=SETTLE_MINUTES)).order_by("pk")[:limit])
    settled = 0
    for pay in stale:
        if not _sent(pay):
            if pay.updated_at < now - dt.timedelta(hours=UNCLAIMED_HOURS):
                settled += _fail_unclaimed(pay.public_id)
            continue
        outcome = _by_status(pay.public_id, pay.order.public_id, pay.provider_ref, pay.amount, event="status")
        settled += outcome.result != "pending"
    return settled

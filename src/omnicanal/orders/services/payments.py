"""Payments: settling an order when its payments are captured (loyalty holds captured with it) and
the provider's webhook events.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.loyalty.presence import Presence
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.orders import events, locks, providers
from omnicanal.orders.models import (
    CancelCause,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    ProviderEvent,
)
from omnicanal.orders.services.cancellation import do_cancel_order
from omnicanal.orders.services.common import _is_person, _maybe_complete, line_facts
from omnicanal.orders.services.dues import amount_due


def _settle(order: Order, *, actor: Principal = SYSTEM) -> None:
    """When every non-loyalty payment is captured: capture loyalty holds, mark paid, emit OrderPaid
    (loyalty earns the points in its own handler, after the commit)."""
    pays = list(Payment.objects.filter(order=order).order_by("pk"))
    # A voided card was replaced by money taken at the desk (do_collect_payment).
    if any(p.provider != "loyalty" and p.status not in (PaymentStatus.CAPTURED, PaymentStatus.VOIDED) for p in pays):
        return
    if order.status != OrderStatus.PENDING_PAYMENT:
        return
    now = clock.now()
    for p in pays:
        if p.provider == "loyalty" and p.status == PaymentStatus.PENDING:
            loyalty_payments.do_capture_payment(payment=p.public_id)
            Payment.objects.filter(pk=p.pk).update(status=PaymentStatus.CAPTURED, updated_at=now)
    order.status = OrderStatus.PAID
    order.paid_at = now
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=now)
    lines = getattr(order, "_lines", None) or list(OrderLine.objects.filter(order=order).order_by("pk"))
    outbox.emit(events.OrderPaid(order_id=order.public_id, order_number=order.number, customer_id=order.customer_id,
                                 channel=order.channel, total=Money(order.total, order.currency),
                                 lines=line_facts(lines, order.currency)))


def do_payment_event(*, provider: str, event_id: str, payment_id: str, status: str,
                     abandoned: bool = False) -> Payment | None:
    """The provider's webhook (signature already checked): captured or failed, once per event. A
    failure cancels an order still waiting for it: cause `payment_abandoned` when the shopper gave up
    or never came back (`abandoned`), else `payment_failed` (declined)."""
    if status not in ("captured", "failed"):
        raise ValidationFailed.on("type", _("must be payment.captured or payment.failed"))
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(provider=provider, event_id=event_id, received_at=clock.now())
    except IntegrityError:  # a replayed delivery: it took effect the first time
        return None
    pay = Payment.objects.filter(public_id=payment_id, provider=provider).first()
    if pay is None:
        raise NotFound(detail=_("No payment %(id)s.") % {"id": payment_id})
    order = locks.order(pay.order_id)
    pay.refresh_from_db()
    if pay.status != PaymentStatus.PENDING:
        return pay
    pay.status = status
    pay.updated_at = clock.now()
    pay.save(update_fields=["status", "updated_at"])
    if status == "captured":
        _settle(order)
        _maybe_complete(order)
    elif order.status == OrderStatus.PENDING_PAYMENT:
        cause = CancelCause.PAYMENT_ABANDONED if abandoned else CancelCause.PAYMENT_FAILED
        do_cancel_order(order=order, reason="payment failed", cause=cause)
    return pay


def do_start_provider_payment(*, payment_id: str, provider: str, reference: str) -> Payment:
    """A hosted-page provider opened its transaction for a pending payment: keep its reference (Webpay's
    token), which the shopper's return must bring back. A newer start replaces an older one."""
    pay = Payment.objects.filter(public_id=payment_id, provider=provider).first()
    if pay is None:
        raise NotFound(detail=_("No payment %(id)s.") % {"id": payment_id})
    locks.order(pay.order_id)
    pay.refresh_from_db()
    if pay.status != PaymentStatus.PENDING:
        raise InvalidTransition(detail=_("Payment %(id)s is already %(status)s.")
                                % {"id": payment_id, "status": pay.get_status_display()})
    pay.provider_ref = reference[:100]
    pay.updated_at = clock.now()
    pay.save(update_fields=["provider_ref", "updated_at"])
    return pay


DESK_METHODS = ("cash", "card", "card_present", "stored_value", "store_credit", "points", "gift_card")


def do_collect_payment(*, order: Order, method: str, amount: Money | None = None, location: str = "",
                       gift_card_code: str = "", pin: str = "", presence: Presence | None = None,
                       actor: Principal = SYSTEM) -> Payment:
    """Pay at pickup: the desk takes (part of) what the order owes (`dues.amount_due`; all of it when
    `amount` is None) in cash, on the card terminal, or from the customer's points, store credit or
    gift card, captured at once. Once nothing is due, a card payment still pending online is voided
    (the money was taken here instead) and the order is settled, which then allows the handover."""
    order = locks.order(order.pk)
    if method not in DESK_METHODS:
        raise ValidationFailed.on("method", _("must be one of %(values)s") % {"values": ", ".join(DESK_METHODS)})
    pays = list(Payment.objects.filter(order=order).order_by("pk"))
    due = amount_due(order, pays)
    if due.amount <= 0:
        raise InvalidTransition(detail=_("Order %(n)s owes nothing.") % {"n": order.number})
    amount = due if amount is None else amount
    if amount.currency != order.currency:
        raise ValidationFailed.on("amount", _("must be in %(c)s") % {"c": order.currency})
    if amount.amount <= 0:
        raise ValidationFailed.on("amount", _("must be more than zero"))
    if amount.amount > due.amount:
        raise ValidationFailed.on("amount", _("is more than what is left to pay (%(left)s)") % {"left": due.format()})
    now = clock.now()
    provider = {"cash": "cash", "card": "terminal", "card_present": "terminal"}.get(method, "loyalty")
    pay = Payment(public_id=new_id("pay"), order=order, method="card_present" if provider == "terminal" else method,
                  provider=provider, amount=amount.amount, status=PaymentStatus.PENDING, created_at=now, updated_at=now)
    pay.provider_ref = pay.public_id
    if provider == "loyalty":
        loyalty_payments.do_hold_payment(payment=pay.public_id, method=method, amount=amount, order_ref=order.public_id,
                                         customer_id=order.customer_id or None, channel=order.channel,
                                         gift_card_code=gift_card_code or None, pin=pin or None, presence=presence)
        loyalty_payments.do_capture_payment(payment=pay.public_id)
        pay.status = PaymentStatus.CAPTURED
    else:
        pay.status = providers.provider(provider).authorize(pay)
    pay.save()
    if amount_due(order, [*pays, pay]).amount <= 0:
        for other in pays:
            if other.provider != "loyalty" and other.status == PaymentStatus.PENDING:
                other.status, other.updated_at = PaymentStatus.VOIDED, now
                other.save(update_fields=["status", "updated_at"])
        _settle(order, actor=actor)
    if _is_person(actor):
        audit.record(actor=actor, action="order.payment.collect", target_type="order", target_id=order.public_id,
                     after={"method": pay.method, "amount": str(amount.amount), "location": location})
    return pay

"""Payments: settling an order when its payments are captured (loyalty holds captured with it) and
the provider's webhook events.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.orders import events, locks
from omnicanal.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    ProviderEvent,
)
from omnicanal.orders.services.cancellation import do_cancel_order
from omnicanal.orders.services.common import _maybe_complete, line_facts


def _settle(order: Order, *, actor: Principal = SYSTEM) -> None:
    """When every non-loyalty payment is captured: capture loyalty holds, mark paid, emit OrderPaid
    (loyalty earns the points in its own handler, after the commit)."""
    pays = list(Payment.objects.filter(order=order).order_by("pk"))
    if any(p.provider != "loyalty" and p.status != PaymentStatus.CAPTURED for p in pays):
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


def do_payment_event(*, provider: str, event_id: str, payment_id: str, status: str) -> Payment | None:
    """The provider's webhook (signature already checked): captured or failed, once per event."""
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
        do_cancel_order(order=order, reason="payment failed")
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

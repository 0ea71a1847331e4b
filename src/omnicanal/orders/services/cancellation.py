"""Cancelling an order before anything left: stock, payments, loyalty holds and coupons given back;
loyalty takes the points back in its handler of OrderCancelled.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory import services as inventory
from omnicanal.loyalty.services import coupons as loyalty_coupons
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.orders import events, locks
from omnicanal.orders.causes import CANCEL_CAUSE_CODES, cancel_cause_code
from omnicanal.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from omnicanal.orders.services.common import LEFT, _history, _is_person, _release
from omnicanal.orders.services.refunds import do_refund, paid_amount


def check_cancel_cause(cause: str) -> None:
    """A cause, when given, is one of CANCEL_CAUSE_CODES (422 on `cause` otherwise)."""
    if cause and cause not in CANCEL_CAUSE_CODES:
        raise ValidationFailed.on("cause", _("must be one of: %(codes)s") % {"codes": ", ".join(CANCEL_CAUSE_CODES)})


def do_cancel_order(*, order: Order, reason: str = "", cause: str = "", actor: Principal = SYSTEM) -> Order:
    """Before anything left: stock released, captured money refunded to where it came from, pending
    payments voided, loyalty holds released, points reversed and coupons given back. `cause` is the
    code (orders.causes); without one, a `reason` that is a code is taken as it, other words as "other"."""
    check_cancel_cause(cause)
    order = locks.order(order.pk)
    if order.status == OrderStatus.CANCELLED:
        return order
    fulfillments = list(Fulfillment.objects.filter(order=order))
    if any(f.status in LEFT for f in fulfillments):
        raise InvalidTransition(detail=_("Part of order %(n)s has already left; return it instead.")
                                % {"n": order.number})
    now = clock.now()
    for f in fulfillments:
        if f.status == FulfillmentStatus.CANCELLED:
            continue
        _release(f)
        if f.transfer_id:
            inventory.do_cancel_transfer(transfer_id=f.transfer_id, actor=actor)
        f.history = [*f.history, _history("cancelled", actor, now)]
        f.status = FulfillmentStatus.CANCELLED
        f.updated_at = now
        f.save(update_fields=["status", "history", "updated_at"])
    do_refund(order=order, amount=paid_amount(order), to="original", reference="cancel", reason=reason or "cancelled",
              actor=actor)
    for pay in Payment.objects.filter(order=order, status=PaymentStatus.PENDING):
        if pay.provider == "loyalty":
            loyalty_payments.do_release_payment(payment=pay.public_id)
        pay.status = PaymentStatus.VOIDED
        pay.updated_at = now
        pay.save(update_fields=["status", "updated_at"])
    loyalty_coupons.do_release_coupon(order_ref=order.public_id)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.cancel_reason = (reason or "")[:200]
    order.cancel_cause = cause or cancel_cause_code(reason)
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "cancel_cause"])
    OrderLine.objects.filter(order=order).update(cancelled=F("quantity") - F("returned"))
    outbox.emit(events.OrderCancelled(order_id=order.public_id, order_number=order.number,
                                      customer_id=order.customer_id, reason=order.cancel_reason,
                                      cause=order.cancel_cause,
                                      total=Money(order.total, order.currency), paid=order.paid_at is not None))
    if _is_person(actor):
        audit.record(actor=actor, action="order.cancel", target_type="order", target_id=order.public_id,
                     after={"total": str(order.total)}, reason=reason, subject=order.customer_id)
    return order

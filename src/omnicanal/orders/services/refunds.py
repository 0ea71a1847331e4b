"""Refunds: money back to the original payments or as store credit, never more than was paid.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.loyalty.services import stored_value as loyalty_stored_value
from omnicanal.orders import events, providers
from omnicanal.orders.models import (
    Order,
    Payment,
    PaymentStatus,
    Refund,
)
from omnicanal.orders.services.common import _is_person


def paid_amount(order: Order) -> Money:
    total = sum((p.amount for p in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED)), Decimal(0))
    return Money(total, order.currency)


def refunded_amount(order: Order) -> Money:
    total = sum((r.amount for r in Refund.objects.filter(order=order)), Decimal(0))
    return Money(total, order.currency)


def do_refund(*, order: Order, amount: Money, to: str = "original", reference: str = "", reason: str = "",
              actor: Principal = SYSTEM) -> list[Refund]:
    """Give money back, to the original payments (newest first) or as store credit. Never more than
    was paid less what was already refunded: a larger request is cut to what is left."""
    if to not in ("original", "store_credit"):
        raise ValidationFailed.on("refund_to", _("must be original or store_credit"))
    if amount.amount <= 0:
        return []
    left = paid_amount(order) - refunded_amount(order)
    amount = min(amount, left)
    if amount.amount <= 0:
        return []
    now = clock.now()
    made: list[Refund] = []
    if to == "store_credit":
        if not order.customer_id:
            raise ValidationFailed.on("refund_to", _("store credit needs a known customer"))
        ref = reference or new_id("rfd")
        loyalty_stored_value.do_grant_store_credit(customer_id=order.customer_id, amount=amount, reason="return",
                                                   reference=order.public_id, key=f"orders-refund:{order.public_id}:{ref}",
                                                   actor=actor)
        made.append(Refund.objects.create(order=order, to="store_credit", amount=amount.amount, reason=reason,
                                          reference=reference, created_at=now))
    else:
        remaining = amount.amount
        for pay in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED).order_by("-pk"):
            take = min(remaining, pay.amount - pay.refunded)
            if take <= 0:
                continue
            refund = Refund.objects.create(order=order, payment=pay, to="original", amount=take, reason=reason,
                                           reference=reference, created_at=now)
            if pay.provider == "loyalty":
                loyalty_payments.do_refund_payment(payment=pay.public_id, refund_ref=refund.public_id,
                                                   amount=Money(take, order.currency))
            else:
                providers.provider(pay.provider).refund(pay, take)
            Payment.objects.filter(pk=pay.pk).update(refunded=F("refunded") + take, updated_at=now)
            made.append(refund)
            remaining -= take
            if remaining <= 0:
                break
    for refund in made:
        outbox.emit(events.RefundIssued(refund_id=refund.public_id, order_id=order.public_id,
                                        order_number=order.number, customer_id=order.customer_id,
                                        amount=Money(refund.amount, order.currency), to=refund.to))
        if _is_person(actor):
            audit.record(actor=actor, action="order.refund", target_type="order", target_id=order.public_id,
                         after={"refund": refund.public_id, "amount": str(refund.amount), "to": refund.to},
                         reason=reason, subject=order.customer_id)
    return made

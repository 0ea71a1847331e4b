"""What an order still owes, and which desk actions apply to it now: one place for both rules.

The fulfilment service refuses to let goods leave (ship, handover) while `amount_due` is not zero
(409 payment-due); the desk's payment service never takes more than it; `allowed_actions` is what
the console offers (cancel, refund, return, dispute, collect) and what the services themselves ask,
so a page never shows a button the service would refuse for the order's state.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from omnicanal.core.errors import PaymentDue
from omnicanal.core.money import Money
from omnicanal.orders.models import Fulfillment, Order, OrderStatus, Payment, PaymentStatus, Refund
from omnicanal.orders.services.common import LEFT, _handed


def _covered(pay: Payment) -> bool:
    """A payment that counts towards the total: money in hand, or a loyalty hold that is captured
    with the order's settlement. A pending card (online, not yet confirmed) does not count."""
    return pay.status == PaymentStatus.CAPTURED or (pay.provider == "loyalty" and pay.status == PaymentStatus.PENDING)


def amount_due(order: Order, payments: list[Payment] | None = None) -> Money:
    """What is left to pay before the goods may leave: nothing once the order is paid (or cancelled)."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        return Money.zero(order.currency)
    pays = payments if payments is not None else list(Payment.objects.filter(order=order))
    covered = sum((p.amount for p in pays if _covered(p)), Decimal(0))
    return Money(max(order.total - covered, Decimal(0)), order.currency)


def check_paid(order: Order) -> None:
    """The rule behind every exit of goods (ship, handover): 409 payment-due with what is due."""
    due = amount_due(order)
    if due.amount > 0:
        raise PaymentDue(detail=_("Order %(n)s still owes %(due)s: collect it before the goods leave.")
                         % {"n": order.number, "due": due.format()},
                         extra={"amount_due": due.as_dict()})


ACTIONS = ("collect", "cancel", "refund", "return", "dispute")


def allowed_actions(order: Order) -> frozenset[str]:
    """Which desk actions apply to the order now (roles aside: orders.roles says who):
    - collect: money is due (pay at pickup);
    - cancel: not cancelled, not completed, and nothing has left yet;
    - refund: something was captured and not yet given back;
    - return: paid, and some goods reached the customer;
    - dispute: not cancelled (which kinds, disputes' own rule says)."""
    out: set[str] = set()
    if order.status == OrderStatus.CANCELLED:
        return frozenset()
    if amount_due(order).amount > 0:
        out.add("collect")
    statuses = set(Fulfillment.objects.filter(order=order).values_list("status", flat=True))
    if order.status != OrderStatus.COMPLETED and not statuses & set(LEFT):
        out.add("cancel")
    captured = sum((p.amount for p in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED)), Decimal(0))
    refunded = sum((r.amount for r in Refund.objects.filter(order=order)), Decimal(0))
    if captured > refunded:
        out.add("refund")
    if order.status in (OrderStatus.PAID, OrderStatus.COMPLETED) and _handed(order):
        out.add("return")
    out.add("dispute")
    return frozenset(out)

"""The order book as facts for reporting (analytics reads these through orders.queries, never the
tables): orders with their fulfilments and payments, returns with their lines, and cart touches.
Frozen dataclasses only; amounts are Decimals in the order's currency (one business currency)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from omnicanal.orders.models import Cart, Fulfillment, Order, OrderLine, Payment, Return, pk_from_number

# The statuses a fulfilment's history stamps that cycle times measure.
READY, PICKED_UP, DELIVERED = "ready_for_pickup", "picked_up", "delivered"
SHIPPED, ARRIVED = "shipped", "arrived"


@dataclass(frozen=True)
class FulfillmentFact:
    fulfillment_id: str
    method: str  # ship, pickup, curbside, pickup_point, ship_to_store, carry_out, drop_ship
    location: str  # where the goods leave from
    handover_location: str  # where they are picked up ("" when shipped)
    status: str
    ready_at: dt.datetime | None
    picked_up_at: dt.datetime | None
    delivered_at: dt.datetime | None
    # The promise made when the order was placed (placement's PROMISE_DAYS, the shop's "get it by"
    # date: orders.queries.delivery_promises); None for a carry-out.
    promised_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None  # the customer said "I'm here" at the curb


@dataclass(frozen=True)
class PaymentFact:
    method: str
    status: str
    amount: Decimal


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    customer_id: str
    channel: str
    status: str
    delivery_method: str
    # The location that serves the order: the pickup store, locker or POS store it names, else the
    # location its first fulfilment leaves from.
    location: str
    placed_at: dt.datetime
    paid_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    # Why it was cancelled, as a code (orders.queries.CANCEL_CAUSE_CODES; "" if none was given): never
    # the words a person typed, which stay on the order and go with its customer's erasure.
    cancel_cause: str
    total: Decimal
    currency: str
    units: int
    fulfillments: tuple[FulfillmentFact, ...]
    payments: tuple[PaymentFact, ...]

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True)
class ReturnLineFact:
    sku: str
    reason: str
    quantity: int


@dataclass(frozen=True)
class ReturnFact:
    return_id: str
    order_id: str
    customer_id: str
    order_channel: str
    order_location: str
    location: str  # where it was received (else where it is expected)
    by_mail: bool
    status: str
    created_at: dt.datetime
    received_at: dt.datetime | None
    refunded: Decimal
    lines: tuple[ReturnLineFact, ...]


@dataclass(frozen=True)
class CartTouch:
    cart_id: str
    customer_id: str
    channel: str
    at: dt.datetime  # when the cart was started


def _stamp(history: list, status: str) -> dt.datetime | None:
    """The first time the fulfilment reached `status` (its history keeps ISO 8601 stamps)."""
    for step in history or ():
        if step.get("status") == status and step.get("at"):
            return dt.datetime.fromisoformat(step["at"])
    return None


FULFILLMENT_FIELDS = ("order_id", "public_id", "method", "location", "handover_location", "status", "history",
                      "promised_at")
ORDER_FIELDS = ("pk", "public_id", "customer_id", "channel", "status", "delivery_method", "delivery_location",
                "placed_at", "paid_at", "cancelled_at", "cancel_cause", "total", "currency")


def _fulfillment(f: dict) -> FulfillmentFact:
    history = f["history"]
    return FulfillmentFact(fulfillment_id=f["public_id"], method=f["method"], location=f["location"],
                           handover_location=f["handover_location"], status=f["status"],
                           ready_at=_stamp(history, READY), picked_up_at=_stamp(history, PICKED_UP),
                           delivered_at=_stamp(history, DELIVERED), promised_at=f["promised_at"],
                           shipped_at=_stamp(history, SHIPPED), arrived_at=_stamp(history, ARRIVED))


def _fact(order: dict, fulfillments: tuple[FulfillmentFact, ...], units: int,
          payments: tuple[PaymentFact, ...]) -> OrderFact:
    location = order["delivery_location"] or (fulfillments[0].location if fulfillments else "")
    return OrderFact(
        order_id=order["public_id"], customer_id=order["customer_id"], channel=order["channel"],
        status=order["status"], delivery_method=order["delivery_method"], location=location,
        placed_at=order["placed_at"], paid_at=order["paid_at"], cancelled_at=order["cancelled_at"],
        cancel_cause=order["cancel_cause"], total=order["total"], currency=order["currency"], units=units,
        fulfillments=fulfillments, payments=payments)


def _facts(qs) -> list[OrderFact]:
    """The facts of the orders of `qs`, read as rows (values()) in four set-based queries, the
    related rows selected by a subquery on the same filter: no model instances (a day of a big shop
    is thousands of orders; building them through the ORM cost seconds)."""
    rows = list(qs.order_by("placed_at", "pk").values(*ORDER_FIELDS))
    if not rows:
        return []
    chosen = qs.values("pk")
    fulfillments: dict[int, list[FulfillmentFact]] = defaultdict(list)
    for f in Fulfillment.objects.filter(order_id__in=chosen).order_by("pk").values(*FULFILLMENT_FIELDS):
        fulfillments[f["order_id"]].append(_fulfillment(f))
    units = dict(OrderLine.objects.filter(order_id__in=chosen).values("order_id").annotate(n=Sum("quantity"))
                 .order_by().values_list("order_id", "n"))
    payments: dict[int, list[PaymentFact]] = defaultdict(list)
    for order_id, method, status, amount in (Payment.objects.filter(order_id__in=chosen).order_by("pk")
                                             .values_list("order_id", "method", "status", "amount")):
        payments[order_id].append(PaymentFact(method=method, status=status, amount=amount))
    return [_fact(row, tuple(fulfillments.get(row["pk"], ())), int(units.get(row["pk"]) or 0),
                  tuple(payments.get(row["pk"], ()))) for row in rows]


def order_facts(*, placed_from: dt.datetime | None = None, placed_to: dt.datetime | None = None,
                customer_ids: Iterable[str] | None = None, order_ids: Iterable[str] | None = None,
                cancelled_from: dt.datetime | None = None, cancelled_to: dt.datetime | None = None,
                ) -> list[OrderFact]:
    """Orders placed in [placed_from, placed_to) (and/or cancelled in [cancelled_from, cancelled_to)),
    of these customers or ids, oldest first."""
    qs = Order.objects.all()
    if placed_from is not None:
        qs = qs.filter(placed_at__gte=placed_from)
    if placed_to is not None:
        qs = qs.filter(placed_at__lt=placed_to)
    if cancelled_from is not None:
        qs = qs.filter(cancelled_at__gte=cancelled_from)
    if cancelled_to is not None:
        qs = qs.filter(cancelled_at__lt=cancelled_to)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    if order_ids is not None:
        qs = qs.filter(public_id__in=list(order_ids))
    return _facts(qs)


def order_fact(order_id: str) -> OrderFact | None:
    found = order_facts(order_ids=[order_id])
    return found[0] if found else None


def return_facts(*, received_from: dt.datetime | None = None, received_to: dt.datetime | None = None,
                 customer_ids: Iterable[str] | None = None, return_ids: Iterable[str] | None = None,
                 order_ids: Iterable[str] | None = None, received_only: bool = True) -> list[ReturnFact]:
    """Returns (received ones only, by default) in [received_from, received_to), oldest first."""
    qs = Return.objects.select_related("order").prefetch_related("lines").order_by("created_at", "pk")
    if received_only:
        qs = qs.filter(received_at__isnull=False)
    if received_from is not None:
        qs = qs.filter(received_at__gte=received_from)
    if received_to is not None:
        qs = qs.filter(received_at__lt=received_to)
    if customer_ids is not None:
        qs = qs.filter(order__customer_id__in=list(customer_ids))
    if return_ids is not None:
        qs = qs.filter(public_id__in=list(return_ids))
    if order_ids is not None:
        qs = qs.filter(order__public_id__in=list(order_ids))
    out = []
    for ret in qs:
        order = ret.order
        out.append(ReturnFact(
            return_id=ret.public_id, order_id=order.public_id, customer_id=order.customer_id,
            order_channel=order.channel, order_location=order.delivery_location, by_mail=ret.by_mail,
            location=ret.received_location or ret.location, status=ret.status, created_at=ret.created_at,
            received_at=ret.received_at, refunded=ret.refunded,
            lines=tuple(ReturnLineFact(sku=line.sku, reason=line.reason, quantity=line.received or line.quantity)
                        for line in ret.lines.all())))
    return out


def cart_touches(*, customer_ids: Iterable[str], until: dt.datetime | None = None) -> list[CartTouch]:
    """The carts these customers started (on which channel, when), oldest first."""
    qs = Cart.objects.filter(customer_id__in=list(customer_ids)).exclude(customer_id="").order_by("created_at", "pk")
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return [CartTouch(cart_id=c.public_id, customer_id=c.customer_id, channel=c.channel, at=c.created_at)
            for c in qs.only("public_id", "customer_id", "channel", "created_at")]


def order_locations(refs: Iterable[str]) -> dict[str, str]:
    """{ref: the location that serves the order (as OrderFact.location)} for order ids or numbers
    (a ticket's order reference); unknown refs are left out. Two queries."""
    refs = {ref.strip() for ref in refs if ref and ref.strip()}
    by_pk = {pk: ref for ref in refs if (pk := pk_from_number(ref)) is not None}
    qs = Order.objects.filter(Q(public_id__in=sorted(refs)) | Q(pk__in=sorted(by_pk)))
    rows = list(qs.values_list("pk", "public_id", "delivery_location"))
    first_leaving = dict(Fulfillment.objects.filter(order_id__in=[pk for pk, _, where in rows if not where])
                         .order_by("-pk").values_list("order_id", "location"))  # the lowest pk wins
    out = {}
    for pk, public_id, where in rows:
        where = where or first_leaving.get(pk, "")
        for ref in (public_id, by_pk.get(pk)):
            if ref in refs:
                out[ref] = where
    return out

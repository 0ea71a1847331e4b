"""What several topics of the order book share: limits, the fulfilment state machine, the input
lines, actors in history and audit, releasing a fulfilment's hold and completing a settled order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from omnicanal.catalog.queries import (
    check_channel as check_channel,  # re-exported: the one meaning of a channel
)
from omnicanal.core.auth import Principal
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory import services as inventory
from omnicanal.orders import events
from omnicanal.orders.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
)

MAX_LINES = 100
MAX_QUANTITY = 999
IN_PERSON_CHANNELS = ("pos", "mpos")
PROMISE_DAYS = {"ship": 3, "drop_ship": 6, "pickup_point": 3, "ship_to_store": 2, "pickup": 0, "curbside": 0}
FINAL = (FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP, FulfillmentStatus.CANCELLED)
LEFT = (FulfillmentStatus.SHIPPED, FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP)
# The state machine of each fulfilment method: action -> (from, to).
_PICK = {"pick": ("pending", "picking"), "pack": ("picking", "packed")}
GRAPH: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "ship": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
             "deliver": (("shipped",), "delivered")},
    "pickup": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ready": (("packed",), "ready_for_pickup"),
               "handover": (("ready_for_pickup",), "picked_up")},
    "curbside": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ready": (("packed",), "ready_for_pickup"),
                 "arrived": (("ready_for_pickup",), "arrived"), "handover": (("arrived",), "picked_up")},
    "pickup_point": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
                     "ready": (("shipped",), "ready_for_pickup"), "handover": (("ready_for_pickup",), "picked_up")},
    "ship_to_store": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
                      "ready": (("shipped",), "ready_for_pickup"), "handover": (("ready_for_pickup",), "picked_up")},
    "carry_out": {},
}
GRAPH["drop_ship"] = GRAPH["ship"]
ACTIONS = ("pick", "pack", "ship", "ready", "arrived", "handover", "deliver")


def line_facts(lines: list[OrderLine], currency: str) -> tuple[events.LineFact, ...]:
    """The order's lines as its events carry them (OrderPlaced, OrderPaid: loyalty earns on these)."""
    return tuple(events.LineFact(sku=line.sku, quantity=line.quantity, amount=Money(line.total, currency),
                                 category=line.category) for line in lines)


@dataclass(frozen=True)
class LineIn:
    """A line to order. `unit_price`: the price the buyer already paid elsewhere (a marketplace's
    order), taken instead of the catalog's only on EXTERNAL_PRICE_CHANNELS (pricing.external_prices)."""
    sku: str
    quantity: int
    unit_price: Money | None = None


@dataclass(frozen=True)
class PaymentIn:
    """One way the order is paid. `amount` None: what is left of the total. `up_to`: at most
    `amount` (None: all that is left), less when less is left, and dropped when nothing is (a shop
    applying "as much as my points cover", then the card for the rest, without knowing the total
    placement works out: shipping, the coupon)."""
    method: str
    amount: Money | None = None
    gift_card_code: str = ""
    pin: str = ""
    up_to: bool = False
    # "marketplace": the marketplace collected the money (an imported order); only on that channel.
    # "oneclick": a saved card, charged after placement commits, by do_charge_stored_card (never a shopper's choice).
    provider: str = ""


def _who(actor: Principal) -> str:
    return f"{actor.kind}:{actor.name}"[:100]


def _is_person(actor: Principal) -> bool:
    return actor.kind != "system"


def _wanted(lines: list[LineIn], field: str = "lines") -> dict[str, int]:
    wanted: dict[str, int] = {}
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or not 0 < line.quantity <= MAX_QUANTITY:
            raise ValidationFailed.on(f"{field}.{i}.quantity", _("must be a whole number from 1 to %(max)d")
                                      % {"max": MAX_QUANTITY})
        sku = (line.sku or "").strip()
        if not sku:
            raise ValidationFailed.on(f"{field}.{i}.sku", _("is required"))
        wanted[sku] = wanted.get(sku, 0) + line.quantity
    if not wanted:
        raise ValidationFailed.on(field, _("at least one line is required"))
    if len(wanted) > MAX_LINES:
        raise ValidationFailed.on(field, _("at most %(max)d lines") % {"max": MAX_LINES})
    return wanted


def _history(status: str, actor: Principal, now, **extra) -> dict:
    return {"at": now.isoformat(), "status": status, "actor": _who(actor), **extra}


def _release(f: Fulfillment) -> None:
    """Give back what this fulfilment still holds (nothing when already released or committed)."""
    code = f.handover_location if (f.method == "ship_to_store" and f.reservation_ref == f.public_id) else f.location
    try:
        inventory.do_release(reference=f.reservation_ref, location=code, reason="cancelled")
    except (NotFound, InvalidTransition):
        pass


def _maybe_complete(order: Order) -> None:
    if order.status != OrderStatus.PAID:
        return
    statuses = set(Fulfillment.objects.filter(order=order).values_list("status", flat=True))
    if statuses and statuses <= set(FINAL) and statuses != {FulfillmentStatus.CANCELLED}:
        order.status = OrderStatus.COMPLETED
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)


def return_closes_at(placed_at, days: int):
    """When a line's return window closes: `days` (its category's, else the business's) after the order
    was placed, plus the longest delivery promise, so a late delivery never eats the window."""
    return placed_at + dt.timedelta(days=days + PROMISE_DAYS["drop_ship"])


DISPUTE_GRACE_DAYS = 5
DISPUTE_KINDS = ("not_received", "defective")


def dispute_refusal(order: Order, kind: str, now: dt.datetime) -> str | None:
    """Why a dispute of `kind` cannot be opened on the order now (None: it can). not_received: only
    past the promised date plus DISPUTE_GRACE_DAYS with something undelivered; defective: for goods
    that reached the customer. The open-dispute service and the shop's form both ask this."""
    if kind == "not_received":
        late = [f for f in Fulfillment.objects.filter(order=order) if f.status not in FINAL and f.promised_at
                and now > f.promised_at + dt.timedelta(days=DISPUTE_GRACE_DAYS)]
        return None if late else _("the order is not late enough to be disputed as not received")
    if kind == "defective":
        return None if _handed(order) else _("nothing of this order has reached the customer yet")
    return _("must be not_received or defective")


def _handed(order: Order) -> dict[int, int]:
    """Units of each order line that reached the customer."""
    handed: dict[int, int] = defaultdict(int)
    for row in FulfillmentLine.objects.filter(fulfillment__order=order, fulfillment__status__in=(
            FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP)):
        handed[row.order_line_id] += row.quantity
    return handed

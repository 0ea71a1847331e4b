"""A Mercado Libre shipment's status into our order's fulfilment, through orders' services.

GET /shipments/{id} answers `status` (pending, handling, ready_to_ship, shipped, delivered,
not_delivered, cancelled) and `substatus` (e.g. not_delivered/returning_to_sender), and
`tracking_number` once the parcel has one. `shipped` and `delivered` walk our fulfilment forward
(orders.do_carrier_report: pick, pack and ship as needed, with the tracking number; then deliver);
`not_delivered` is written to its history; `cancelled` before anything left cancels our order (stock
released). Orders never moves a fulfilment backwards, and here a status ranked below the one already
recorded is not even recorded, so out-of-order or repeated notifications change nothing."""

from __future__ import annotations

from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.errors import Problem
from omnicanal.marketplaces.models import MarketplaceAccount, MarketplaceOrder
from omnicanal.marketplaces.services import orders as marketplace_orders
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders

CARRIER = "Mercado Envíos"
# How far along a shipment is: a notification whose status ranks lower than the recorded one is late.
RANK = {"pending": 0, "handling": 1, "ready_to_ship": 2, "shipped": 3, "not_delivered": 4, "delivered": 5,
        "cancelled": 5}
REPORTS = {"shipped": "shipped", "delivered": "delivered", "not_delivered": "not_delivered"}


def _late(recorded: str, incoming: str) -> bool:
    return RANK.get(incoming, -1) < RANK.get(recorded, -1)


def _apply(row: MarketplaceOrder, shipment: dict) -> None:
    status = str(shipment.get("status") or "")
    if status == "cancelled":
        marketplace_orders.cancel(row)
        return
    report = REPORTS.get(status)
    if report is None:
        return
    order = orders_queries.get_order(row.order_id)
    carrier = str(shipment.get("tracking_method") or CARRIER)[:60]
    tracking = str(shipment.get("tracking_number") or "")
    for fulfillment in order.fulfillments.all():
        try:
            with transaction.atomic():
                orders.do_carrier_report(fulfillment_id=fulfillment.public_id, status=report, carrier=carrier,
                                         tracking=tracking, detail=str(shipment.get("substatus") or ""))
        except Problem as problem:  # e.g. a fulfilment of another method: recorded, not retried
            row.note = str(problem.detail or problem.title)[:300]


def do_apply_shipment(*, account: MarketplaceAccount, shipment: dict) -> MarketplaceOrder | None:
    """Record the shipment's status on its marketplace order and move our fulfilment (idempotent)."""
    row = (MarketplaceOrder.objects.select_for_update()
           .filter(account=account, shipment_id=str(shipment.get("id") or "-")).first())
    if row is None:
        return None
    status = str(shipment.get("status") or "")[:40]
    if status and _late(row.shipment_status, status):
        return row
    row.shipment_status = status or row.shipment_status
    row.logistic_type = str(shipment.get("logistic_type") or row.logistic_type)[:40]
    row.updated_at = clock.now()
    if row.order_id:
        _apply(row, shipment)
    row.save()
    return row

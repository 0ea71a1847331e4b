"""Analytics' reads: the KPI report of a period (additive KPIs from the rollups, the rest from the
owning domains' facts) and a customer's journey across channels. No writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from omnicanal.analytics import conversation_kpis, kpis, order_kpis, raw
from omnicanal.analytics.replica import on_replica
from omnicanal.analytics.totals import Filters, Totals, summed, totals
from omnicanal.conversations import queries as conversations
from omnicanal.core.money import Money, business_currency
from omnicanal.customers import queries as customers
from omnicanal.feedback import queries as feedback
from omnicanal.orders import queries as orders


def money(amount: Decimal) -> dict[str, str]:
    return Money.of(amount, business_currency()).as_dict()


def _additive(filters: Filters) -> tuple[dict[str, Any], str]:
    per_channel, source = totals(filters)
    return _additive_of(per_channel), source


def _additive_of(per_channel: Totals) -> dict[str, Any]:
    m = summed(per_channel)
    n = m.get(kpis.ORDERS, Decimal(0))
    revenue = m.get(kpis.REVENUE, Decimal(0))

    def share(*metrics: str) -> float | None:
        return raw.ratio(sum((m.get(name, Decimal(0)) for name in metrics), Decimal(0)), n)

    return {
        "orders": int(n),
        "revenue": money(revenue),
        "average_order_value": money(revenue / n) if n else None,
        "orders_by_channel": {ch: int(v.get(kpis.ORDERS, 0)) for ch, v in sorted(per_channel.items())
                              if v.get(kpis.ORDERS)},
        "revenue_by_channel": {ch: money(v.get(kpis.REVENUE, Decimal(0))) for ch, v in sorted(per_channel.items())
                               if v.get(kpis.ORDERS)},
        "bopis_share": share(kpis.METHOD + "pickup", kpis.METHOD + "curbside"),
        "curbside_share": share(kpis.METHOD + "curbside"),
        "pickup_point_share": share(kpis.METHOD + "pickup_point"),
        "ship_to_store_share": share(kpis.SHIP_TO_STORE),
        "ship_from_store_share": share(kpis.SHIP_FROM_STORE),
        "cancellations": int(m.get(kpis.CANCELLATIONS, 0)),
        "returns": int(m.get(kpis.RETURNS, 0)),
        "refunded": money(m.get(kpis.REFUNDED, Decimal(0))),
        "cancellations_by_cause": {metric.removeprefix(kpis.CAUSE): int(value) for metric, value in sorted(m.items())
                                   if metric.startswith(kpis.CAUSE) and value},
        "cross_channel_returns": int(m.get(kpis.CROSS_CHANNEL_RETURNS, 0)),
        "cross_channel_return_share": raw.ratio(m.get(kpis.CROSS_CHANNEL_RETURNS, Decimal(0)),
                                                m.get(kpis.RETURNS, Decimal(0))),
    }


def _from_facts(filters: Filters, cells: Totals | None = None) -> dict[str, Any]:
    """The KPIs that are not plain sums: the order ones off the period's cells when it is whole
    hours (`cells`: order_kpis), else from the facts; the conversation ones off their own cells for
    whole hours, else from the facts (conversation_kpis)."""
    out = _orders_from_facts(filters) if cells is None else order_kpis.from_rollups(filters, cells, money)
    out.update(conversation_kpis.response_times(filters))
    return out


def _orders_from_facts(filters: Filters) -> dict[str, Any]:
    facts = raw.kept_orders(filters)
    cross = raw.cross_channel_orders(facts)
    known = sum(1 for fact in facts if fact.customer_id)
    rate, by_reason = raw.returns_rates(facts)
    out: dict[str, Any] = {
        "returns_rate": rate,
        "returns_rate_by_reason": by_reason,
        "cross_channel_orders": len(cross),
        "cross_channel_order_share": raw.ratio(len(cross), known),
        "cycle_times": raw.cycle_times(facts, filters),
        "on_time_rate": raw.on_time_rate(facts, filters),
        "loyalty_redemption_by_channel": raw.loyalty_redemption(facts, money),
        **raw.customers_kpis(facts, money),
    }
    return out


@dataclass(frozen=True)
class Report:
    filters: Filters
    kpis: dict[str, Any]
    source: str  # where the additive KPIs came from: day, hour (rollups) or raw


@on_replica
def report(filters: Filters) -> Report:
    per_channel, source = totals(filters, order_metrics=False)  # from the facts, _orders_from_facts counts them
    cells = None if source == kpis.RAW else per_channel
    values = {**_additive_of(per_channel), **_from_facts(filters, cells)}
    return Report(filters=filters, kpis={kpi.name: values[kpi.name] for kpi in kpis.KPIS}, source=source)


# --- the journey ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    at: dt.datetime
    channel: str
    kind: str  # message, cart, order, shipped, delivered, ready, arrived, pickup, return, review
    ref: str
    switch: bool = False  # its channel differs from the step before


@dataclass(frozen=True)
class Journey:
    customer_id: str
    steps: tuple[Step, ...]
    channel_switches: int


# A carry-out hands the goods over with the sale itself: no pickup step of its own.
PICKUP_METHODS = ("pickup", "curbside", "pickup_point", "ship_to_store")
# Methods whose "shipped" leaves for the customer (a ship-to-store's is a transfer to the store: no touchpoint).
SHIPPED_TO_CUSTOMER = ("ship", "drop_ship", "pickup_point")


def _delivery_steps(f: orders.FulfillmentFact) -> list[Step]:
    """A fulfilment's transitions the customer meets: shipped and delivered (channel `delivery`),
    ready for pickup, arrived at the curb and picked up (channel `store`: the store or locker)."""
    stamps = (("shipped", kpis.DELIVERY, f.shipped_at if f.method in SHIPPED_TO_CUSTOMER else None),
              ("delivered", kpis.DELIVERY, f.delivered_at),
              ("ready", kpis.STORE, f.ready_at if f.method in PICKUP_METHODS else None),
              ("arrived", kpis.STORE, f.arrived_at),
              ("pickup", kpis.STORE, f.picked_up_at if f.method in PICKUP_METHODS else None))
    return [Step(at=at, channel=channel, kind=kind, ref=f.fulfillment_id) for kind, channel, at in stamps if at]
REVIEW_CHANNEL = "web"  # reviews are written in the shop (Store API)
# Steps at the same instant keep the fulfilment's order (pick, pack and ready are often one click).
KIND_ORDER = {"order": 1, "shipped": 2, "ready": 3, "arrived": 4, "delivered": 5, "pickup": 6}


def _steps(customer_id: str) -> list[Step]:
    ids = [customer_id]
    steps = [Step(at=t.at, channel=t.channel, kind="message", ref=t.conversation_id)
             for t in conversations.message_touches(customer_ids=ids)]
    steps += [Step(at=c.at, channel=c.channel, kind="cart", ref=c.cart_id) for c in orders.cart_touches(customer_ids=ids)]
    for fact in orders.order_facts(customer_ids=ids):
        steps.append(Step(at=fact.placed_at, channel=fact.channel, kind="order", ref=fact.order_id))
        steps += [step for f in fact.fulfillments for step in _delivery_steps(f)]
    steps += [Step(at=r.created_at, channel=raw.return_channel(r), kind="return", ref=r.return_id)
              for r in orders.return_facts(customer_ids=ids, received_only=False)]
    steps += [Step(at=r.created_at, channel=REVIEW_CHANNEL, kind="review", ref=r.id)
              for r in feedback.reviews_of_customer(customer_id)]
    return sorted(steps, key=lambda s: (s.at, KIND_ORDER.get(s.kind, 0), s.kind, s.ref))


@on_replica
def journey(customer_id: str) -> Journey:
    """A customer's touchpoints on every channel, oldest first; a merged id answers the survivor
    (NotFound for an unknown id)."""
    survivor = customers.resolve_id(customer_id)
    marked: list[Step] = []
    for step in _steps(survivor):
        switch = bool(marked) and marked[-1].channel != step.channel
        marked.append(Step(at=step.at, channel=step.channel, kind=step.kind, ref=step.ref, switch=switch))
    return Journey(customer_id=survivor, steps=tuple(marked), channel_switches=sum(s.switch for s in marked))

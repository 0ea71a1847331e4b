"""The KPIs that are not additive (shares of customers, percentiles, cross-channel paths), computed
from the owning domains' facts (orders.queries, conversations.queries) for a period and filters."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from omnicanal.analytics import kpis, order_rollups
from omnicanal.analytics.totals import Filters
from omnicanal.conversations import queries as conversations
from omnicanal.orders import queries as orders

LOOKBACK, REDEEMING, CAPTURED = order_rollups.LOOKBACK, order_rollups.REDEEMING, order_rollups.CAPTURED


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th quantile (0–1) by linear interpolation between closest ranks; None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 2)


def minutes(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 60


def ratio(part: float | Decimal | int, whole: float | Decimal | int) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


sale_channel = kpis.sale_channel


def return_channel(ret: orders.ReturnFact) -> str:
    return kpis.return_channel(ret.by_mail)


def kept_orders(filters: Filters) -> list[orders.OrderFact]:
    """Orders placed in the period, not cancelled, within the filters."""
    return [fact for fact in orders.order_facts(placed_from=filters.start, placed_to=filters.end)
            if not fact.cancelled and filters.keeps(channel=fact.channel, location=fact.location)]


def cross_channel_orders(facts: list[orders.OrderFact]) -> list[str]:
    """Ids of the orders whose customer wrote to us or started a cart on another channel in the
    LOOKBACK before placing it (the rule order_rollups decides at placement)."""
    return order_rollups.cross_channel_ids(facts)


def _cycle(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 0.5), "p90": percentile(values, 0.9), "count": len(values)}


def cycle_times(facts: list[orders.OrderFact], filters: Filters) -> dict[str, dict[str, Any]]:
    """{location: {placed_to_ready, ready_to_picked_up, placed_to_delivered: {p50, p90, count}}}:
    a pickup's location is where it is handed over; a shipment's, where it leaves from."""
    spans: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        for f in fact.fulfillments:
            where = order_rollups.where(f)
            if filters.locations is not None and where not in filters.locations:
                continue
            for name, value in order_rollups.spans(fact, f):
                if value is not None:
                    spans[where][name].append(value)
    return {where: {name: _cycle(values) for name, values in sorted(by.items())} for where, by in sorted(spans.items())}


DELIVERED_METHODS, CANCELLED = order_rollups.DELIVERED_METHODS, order_rollups.CANCELLED
kept_promise_at = order_rollups.kept_promise_at


def on_time_rate(facts: list[orders.OrderFact], filters: Filters, now: dt.datetime | None = None) -> float | None:
    """Fulfilments delivered (shipments) or ready (pickups, curbside, lockers, ship-to-store) on or
    before their promised date ÷ fulfilments due: done, or still undone after their promised date.
    Dates are the business's (the promise is a day: "get it by Tuesday"); a fulfilment neither done
    nor late yet, cancelled, or without a promise (carry-out) is not counted. The location is the
    handover location, else the leaving one (as cycle_times)."""
    today = order_rollups.business_today(now)
    due = kept = 0
    for fact in facts:
        for f in fact.fulfillments:
            if filters.locations is not None and order_rollups.where(f) not in filters.locations:
                continue
            is_due, is_kept, _ = order_rollups.promise_state(f, today)  # the rollups' rule, today
            due += is_due
            kept += is_kept
    return ratio(kept, due)


def returns_rates(facts: list[orders.OrderFact]) -> tuple[float | None, dict[str, float | None]]:
    """(orders with a received return ÷ orders, {reason: units returned ÷ units sold}) for these orders."""
    if not facts:
        return None, {}
    by_id = {fact.order_id: fact for fact in facts}
    returned_orders: set[str] = set()
    units: Counter[str] = Counter()
    for ret in orders.return_facts(order_ids=sorted(by_id)):
        returned_orders.add(ret.order_id)
        for line in ret.lines:
            units[orders.return_reason_code(line.reason) or "unspecified"] += line.quantity
    sold = sum(fact.units for fact in facts)
    return ratio(len(returned_orders), len(facts)), {reason: ratio(n, sold) for reason, n in sorted(units.items())}


def conversation_locations(convs: list[conversations.ConversationFact]) -> dict[str, str]:
    """{conversation id: the location it belongs to} (docs/analytics.md, "Filters"): the store it is
    about (conversations' `store`: the store's inbox it came through, or set by routing or staff),
    else the location of the first order its tickets name, else its team's store when the team
    answers for exactly one; "" when none (counted only without a location filter)."""
    refs = {conv.order_refs[0] for conv in convs if not conv.store and conv.order_refs}
    where = orders.order_locations(refs) if refs else {}
    out = {}
    for conv in convs:
        by_order = where.get(conv.order_refs[0], "") if conv.order_refs else ""
        by_team = conv.team_stores[0] if len(conv.team_stores) == 1 else ""
        out[conv.conversation_id] = conv.store or by_order or by_team
    return out


def conversations_kept(filters: Filters) -> list[conversations.ConversationFact]:
    """Conversations opened in the period where the customer wrote, on the channel and at the
    locations of the filters."""
    convs = [conv for conv in conversations.conversation_facts(opened_from=filters.start, opened_to=filters.end)
             if conv.channel and (filters.channel is None or conv.channel == filters.channel)]
    if filters.locations is None:
        return convs
    where = conversation_locations(convs)
    return [conv for conv in convs if where[conv.conversation_id] in filters.locations]


def customers_kpis(facts: list[orders.OrderFact], money) -> dict[str, Any]:
    """repeat_rate and customers_by_channels_used over the customers of these orders."""
    count: Counter[str] = Counter()
    channels: dict[str, set[str]] = defaultdict(set)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for fact in facts:
        if fact.customer_id:
            count[fact.customer_id] += 1
            channels[fact.customer_id].add(fact.channel)
            spend[fact.customer_id] += fact.total
    groups: dict[int, list[str]] = defaultdict(list)
    for customer, used in channels.items():
        groups[len(used)].append(customer)
    return {
        "repeat_rate": ratio(sum(1 for n in count.values() if n >= 2), len(count)),
        "customers_by_channels_used": {str(n): {
            "customers": len(ids), "average_value": money(sum((spend[c] for c in ids), Decimal(0)) / len(ids)),
        } for n, ids in sorted(groups.items())},
    }


def loyalty_redemption(facts: list[orders.OrderFact], money) -> dict[str, Any]:
    per_channel: Counter[str] = Counter()
    redeeming: Counter[str] = Counter()
    amount: dict[str, Decimal] = defaultdict(Decimal)
    for fact in facts:
        per_channel[fact.channel] += 1
        paid = [p.amount for p in fact.payments if p.method in REDEEMING and p.status == CAPTURED]
        if paid:
            redeeming[fact.channel] += 1
            amount[fact.channel] += sum(paid, Decimal(0))
    return {channel: {"orders": redeeming[channel], "amount": money(amount[channel]),
                      "share": ratio(redeeming[channel], n)} for channel, n in sorted(per_channel.items())}

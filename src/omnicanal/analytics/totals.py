"""The additive metrics (kpis.METRICS) of a period: summed from the rollups when the period is made
of whole UTC hours (read through the coarsest cells that tile it: tiling.py), else counted from the
raw facts. Both answer
the same numbers (tests/test_rollups_agree.py); `raw_totals` is also the drill-down."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from omnicanal.analytics import kpis, order_rollups, tiling
from omnicanal.analytics.models import Grain, RollupCell
from omnicanal.analytics.services import location_kinds, ships_from_store
from omnicanal.orders import queries as orders


@dataclass(frozen=True)
class Filters:
    """A period [start, end) in UTC and the optional filters (None: every channel / location)."""

    start: dt.datetime
    end: dt.datetime
    channel: str | None = None
    locations: frozenset[str] | None = None

    def previous(self) -> Filters:
        span = self.end - self.start
        return Filters(start=self.start - span, end=self.start, channel=self.channel, locations=self.locations)

    def keeps(self, *, channel: str, location: str) -> bool:
        return ((self.channel is None or channel == self.channel)
                and (self.locations is None or location in self.locations))


# {channel: {metric: value}}
Totals = dict[str, dict[str, Decimal]]


def grain_for(start: dt.datetime, end: dt.datetime) -> str | None:
    """The rollup grain whose cells alone tile [start, end) (month, day or hour: the report's
    `source`), or None (the raw facts answer). Coarser cells serve its inside (tiling.py)."""
    return tiling.single_grain(start, end)


def rollup_totals(filters: Filters, coarsest: str = Grain.MONTH) -> Totals:
    """The period's metrics per channel off the cells that tile it (none coarser than `coarsest`)."""
    cells = tiling.cells_of(filters.start, filters.end, coarsest)
    if cells is None:
        return {}
    qs = RollupCell.objects.filter(cells)
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.locations is not None:
        qs = qs.filter(location__in=sorted(filters.locations))
    out: Totals = defaultdict(lambda: defaultdict(Decimal))
    for row in qs.values("channel", "metric").annotate(total=Sum("value")).order_by():
        out[row["channel"]][row["metric"]] += row["total"] or Decimal(0)
    return _plain(out)


def raw_totals(filters: Filters, *, order_metrics: bool = True) -> Totals:
    """The same metrics counted from the order book's facts (placed, cancelled and received in the
    period; order_rollups' of the orders placed in it)."""
    out: Totals = defaultdict(lambda: defaultdict(Decimal))
    kinds = location_kinds()
    kept = [fact for fact in orders.order_facts(placed_from=filters.start, placed_to=filters.end)
            if not fact.cancelled and filters.keeps(channel=fact.channel, location=fact.location)]
    for fact, metrics in _order_rollup_metrics(kept) if order_metrics else ():
        for metric, value in metrics.items():
            out[fact.channel][metric] += value
    for fact in kept:
        cell = out[fact.channel]
        cell[kpis.ORDERS] += 1
        cell[kpis.REVENUE] += fact.total
        cell[kpis.METHOD + fact.delivery_method] += 1
        cell[kpis.SHIP_TO_STORE] += any(f.method == "ship_to_store" for f in fact.fulfillments)
        cell[kpis.SHIP_FROM_STORE] += ships_from_store(fact, kinds)
    for fact in orders.order_facts(cancelled_from=filters.start, cancelled_to=filters.end):
        if filters.keeps(channel=fact.channel, location=fact.location):
            out[fact.channel][kpis.CANCELLATIONS] += 1
            out[fact.channel][kpis.CANCELLED_REVENUE] += fact.total
            out[fact.channel][kpis.CAUSE + kpis.cancel_cause(fact.cancel_cause)] += 1
    for ret in orders.return_facts(received_from=filters.start, received_to=filters.end):
        if filters.keeps(channel=ret.order_channel, location=ret.location):
            out[ret.order_channel][kpis.RETURNS] += 1
            out[ret.order_channel][kpis.REFUNDED] += ret.refunded
            out[ret.order_channel][kpis.CROSS_CHANNEL_RETURNS] += (
                kpis.return_channel(ret.by_mail) != kpis.sale_channel(ret.order_channel))
    return _plain(out)


def _order_rollup_metrics(kept: list[orders.OrderFact]):
    """order_rollups' metrics of these orders, as its handlers and periodic task count them."""
    if not kept:
        return []
    returns: dict[str, list[orders.ReturnFact]] = defaultdict(list)
    for ret in orders.return_facts(order_ids=[fact.order_id for fact in kept]):
        returns[ret.order_id].append(ret)
    cross, today = set(order_rollups.cross_channel_ids(kept)), order_rollups.business_today()
    return [(fact, order_rollups.order_metrics(fact, returns[fact.order_id], today=today,
                                               cross=fact.order_id in cross)) for fact in kept]


def _plain(totals) -> Totals:
    """Plain dicts without the zero cells (a rollup cell that went back to zero is no metric)."""
    return {channel: {metric: Decimal(value) for metric, value in metrics.items() if value}
            for channel, metrics in totals.items() if any(metrics.values())}


def totals(filters: Filters, *, order_metrics: bool = True) -> tuple[Totals, str]:
    """The period's additive metrics per channel, and where they came from (month, day, hour or raw);
    without order_rollups' metrics from the facts when the caller computes those KPIs from them."""
    grain = grain_for(filters.start, filters.end)
    if grain is None:
        return raw_totals(filters, order_metrics=order_metrics), kpis.RAW
    return rollup_totals(filters), grain


def summed(per_channel: Totals) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for metrics in per_channel.values():
        for metric, value in metrics.items():
            out[metric] += value
    return dict(out)

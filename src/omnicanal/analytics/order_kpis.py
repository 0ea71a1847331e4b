"""The order-side KPIs that are not plain sums, read from the rollups order_rollups keeps, for a
period of whole hours (the same cells as the additive KPIs, already summed per channel, and the
customers folded once: the day packs with numpy, or one GROUP BY customer over CustomerMonth or
CustomerHour): no order fact is read. Other periods: raw.py, from the facts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, Q, Sum

from omnicanal.analytics import customer_months, day_packs, kpis
from omnicanal.analytics import order_rollups as r
from omnicanal.analytics.models import CustomerHour
from omnicanal.analytics.totals import Filters, Totals, summed


def ratio(part: float | Decimal | int, whole: float | Decimal | int) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _at(filters: Filters, where: str) -> bool:
    return filters.locations is None or where in filters.locations


def cycle_times(m: dict[str, Decimal], filters: Filters) -> dict[str, dict[str, Any]]:
    """{location: {span: {p50, p90, count}}} off the histograms (raw.cycle_times' shape)."""
    histograms: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for metric, value in m.items():
        if metric.startswith(r.CYCLE) and value:
            span, rest = metric.removeprefix(r.CYCLE).split(":", 1)
            where, bucket = rest.rsplit(":", 1)
            if _at(filters, where):
                histograms[where][span][int(bucket)] = int(value)
    return {where: {span: {"p50": r.histogram_percentile(counts, 0.5), "p90": r.histogram_percentile(counts, 0.9),
                           "count": sum(counts.values())} for span, counts in sorted(by.items())}
            for where, by in sorted(histograms.items())}


def on_time_rate(m: dict[str, Decimal], filters: Filters) -> float | None:
    def total(prefix: str) -> Decimal:
        return sum((v for metric, v in m.items() if metric.startswith(prefix) and _at(filters, metric[len(prefix):])),
                   Decimal(0))
    return ratio(total(r.ON_TIME_KEPT), total(r.ON_TIME_DUE))


def customers_kpis(filters: Filters, money) -> dict[str, Any]:
    """repeat_rate and customers_by_channels_used, in one query: per customer over the period
    (orders, channels with an order, spend), then per number of channels. Unfiltered: the period's
    customers' day packs (day_packs, numpy), its other hours read live; when no pack covers it,
    whole UTC months: the CustomerMonth rows (customer_months); any other period, or a channel or
    location filter: its CustomerHour rows (of the channel and locations asked)."""
    packed = (day_packs.customers_table(filters.start, filters.end)
              if filters.channel is None and filters.locations is None else None)
    if packed is not None:
        groups = [(used, n, Decimal(cents) / customer_months.CENTS, repeat) for used, n, cents, repeat in packed]
    elif filters.channel is None and filters.locations is None and customer_months.whole_months(filters.start,
                                                                                               filters.end):
        groups = [(used, n, Decimal(cents) / customer_months.CENTS, repeat)
                  for used, n, cents, repeat in customer_months.customers_table(filters.start, filters.end)]
    else:
        groups = _hourly_customers(filters)
    customers = sum(n for _, n, _, _ in groups)
    return {
        "repeat_rate": ratio(sum(repeat for *_, repeat in groups), customers),
        "customers_by_channels_used": {str(used): {
            "customers": n, "average_value": money(spent / n),
        } for used, n, spent, _ in groups},
    }


def _hourly_customers(filters: Filters) -> list[tuple[int, int, Decimal, int]]:
    """(channels used, customers, spend, customers with two orders or more) off CustomerHour."""
    rows = CustomerHour.objects.filter(bucket__gte=filters.start, bucket__lt=filters.end)
    if filters.channel is not None:
        rows = rows.filter(channel=filters.channel)
    if filters.locations is not None:
        rows = rows.filter(location__in=sorted(filters.locations))
    per_customer = (rows.order_by().values("customer_id")
                    .annotate(used=Count("channel", distinct=True, filter=Q(orders__gt=0)), placed=Sum("orders"),
                              spent=Sum("spend"))
                    .filter(placed__gt=0))
    alias = per_customer.db  # the replica inside replica.reads()
    inner, params = per_customer.query.get_compiler(using=alias).as_sql()
    with connections[alias].cursor() as cursor:
        cursor.execute(  # the outer GROUP BY: Django's ORM does not aggregate over an aggregate
            "SELECT c.used, COUNT(*), SUM(c.spent), SUM(CASE WHEN c.placed >= 2 THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM ({inner}) c GROUP BY c.used ORDER BY c.used", params)
        return [(int(used), int(n), Decimal(str(spent)), int(repeat)) for used, n, spent, repeat in cursor.fetchall()]


def loyalty_redemption(per_channel: Totals, money) -> dict[str, Any]:
    out = {}
    for channel, v in sorted(per_channel.items()):
        if v.get(kpis.ORDERS):
            n = v.get(r.REDEEMING_ORDERS, Decimal(0))
            out[channel] = {"orders": int(n), "amount": money(v.get(r.REDEEMED, Decimal(0))),
                            "share": ratio(n, v[kpis.ORDERS])}
    return out


def from_rollups(filters: Filters, per_channel: Totals, money) -> dict[str, Any]:
    """The order KPIs raw.py computes from the facts (queries._from_facts), off the period's cells."""
    m = summed(per_channel)
    units = m.get(r.UNITS, Decimal(0))
    return {
        "returns_rate": ratio(m.get(r.RETURNED_ORDERS, Decimal(0)), m.get(kpis.ORDERS, Decimal(0))),
        "returns_rate_by_reason": {metric.removeprefix(r.UNITS_RETURNED): ratio(value, units)
                                   for metric, value in sorted(m.items())
                                   if metric.startswith(r.UNITS_RETURNED) and value},
        "cross_channel_orders": int(m.get(r.CROSS_CHANNEL_ORDERS, 0)),
        "cross_channel_order_share": ratio(m.get(r.CROSS_CHANNEL_ORDERS, Decimal(0)),
                                           m.get(r.KNOWN_CUSTOMER_ORDERS, Decimal(0))),
        "cycle_times": cycle_times(m, filters),
        "on_time_rate": on_time_rate(m, filters),
        "loyalty_redemption_by_channel": loyalty_redemption(per_channel, money),
        **customers_kpis(filters, money),
    }

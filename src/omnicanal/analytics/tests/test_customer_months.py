"""The customers' months (customer_months.py): each month row is its customer's hour rows folded
(orders, spend in hundredths, a bit per channel with a live order), kept through placements and
cancellations; an unfiltered period of whole UTC months reads them, any other period (one starting
mid-month in Santiago) the hours, and both answer what the facts answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from omnicanal.analytics import customer_months, order_kpis, queries, tiling
from omnicanal.analytics.models import ChannelBit, CustomerHour, CustomerMonth
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters
from omnicanal.orders import queries as orders

H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)
SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")
CUSTOMERS_KPIS = ("repeat_rate", "customers_by_channels_used")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SANTIAGO)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def folded_hours() -> dict[tuple[str, dt.datetime], tuple[int, int, int]]:
    """{(customer, month): (orders, spend in hundredths, channels mask)} computed here from the hour rows."""
    bits = dict(ChannelBit.objects.values_list("channel", "bit"))
    out: dict[tuple[str, dt.datetime], tuple[int, int, int]] = {}
    for customer, bucket, channel, placed, spend in CustomerHour.objects.filter(orders__gt=0).values_list(
            "customer_id", "bucket", "channel", "orders", "spend"):
        key = (customer, tiling.floor(bucket, "month"))
        n, cents, mask = out.get(key, (0, 0, 0))
        out[key] = (n + placed, cents + int(spend * 100), mask | 1 << bits[channel])
    return out


def month_rows() -> dict[tuple[str, dt.datetime], tuple[int, int, int]]:
    return {(c, m): (n, cents, mask) for c, m, n, cents, mask in CustomerMonth.objects.values_list(
        "customer_id", "month", "orders", "spend_cents", "channels")}


def test_a_period_starting_mid_month_in_santiago_and_its_whole_utc_months_agree_with_the_facts(shop, ana, bea):
    start, end = local(2026, 3, 15), local(2026, 6, 10)  # 03:00 UTC on March 15th (-03), 04:00 on June 10th (-04)
    months = Filters(start=utc(2026, 4, 1), end=utc(2026, 6, 1))  # April and May: the month rows alone
    assert [grain for grain, *_ in tiling.tiles(start, end)] == ["hour", "day", "month", "day", "hour"]
    # Ana: four orders on two channels, in each part of the period (the first partial month, two
    # whole months, the last partial month).
    shop.place(ana, at=start + 10 * M, channel="web")
    shop.place(ana, at=local(2026, 4, 20, 12), channel="app")
    shop.place(ana, at=local(2026, 5, 20, 12), channel="web")
    shop.place(ana, at=end - 10 * M, channel="web")
    # Bea: one live order in a whole month; an app order cancelled; two orders minutes outside the period.
    shop.place(bea, at=local(2026, 5, 5, 12), channel="web")
    shop.cancel(shop.place(bea, at=local(2026, 4, 2, 12), channel="app"), at=local(2026, 4, 2, 13))
    shop.place(bea, at=start - 10 * M, channel="app")
    shop.place(bea, at=end + 10 * M, channel="app")

    for filters in (Filters(start=start, end=end), months):
        rolled = order_kpis.customers_kpis(filters, queries.money)
        exact = queries._orders_from_facts(filters)
        assert rolled == {name: exact[name] for name in CUSTOMERS_KPIS}, filters
        assert rolled["repeat_rate"] == 0.5, filters  # Ana's orders; Bea's one inside
        assert {used: group["customers"] for used, group in rolled["customers_by_channels_used"].items()} == {
            "1": 1, "2": 1}, filters
    assert customer_months.whole_months(months.start, months.end)
    assert not customer_months.whole_months(start, end)  # read from the hours
    assert [row[:2] for row in customer_months.customers_table(months.start, months.end)] == [(1, 1), (2, 1)]


def test_a_month_row_is_its_hours_folded_and_drops_a_cancelled_channel(shop, ana):
    march = tiling.floor(DAY, "month")
    web = shop.place(ana, at=DAY + 9 * H, channel="web", quantity=2)
    app = shop.place(ana, at=DAY + 30 * H, channel="app")
    bits = dict(ChannelBit.objects.values_list("channel", "bit"))
    assert sorted(bits.values()) == list(range(len(bits)))  # each channel its own bit, the next free one
    spend = sum((orders.order_fact(order).total for order in (web, app)), Decimal(0))

    assert month_rows() == {(ana, march): (2, int(spend * 100), 1 << bits["web"] | 1 << bits["app"])}
    assert month_rows() == folded_hours()

    shop.cancel(app, at=DAY + 31 * H)
    assert month_rows() == {(ana, march): (1, int(orders.order_fact(web).total * 100), 1 << bits["web"])}
    assert month_rows() == folded_hours()

    shop.cancel(web, at=DAY + 32 * H)
    assert month_rows() == {} == folded_hours()  # no live order that month: no row
    assert dict(ChannelBit.objects.values_list("channel", "bit")) == bits  # bits stay given


def test_the_next_channel_gets_the_next_free_bit(db):
    assert [customer_months.bit_of(channel) for channel in ("web", "app", "web", "pos")] == [0, 1, 0, 2]

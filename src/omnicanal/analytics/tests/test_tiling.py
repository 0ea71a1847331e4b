"""A period reads the coarsest UTC cells that tile it exactly (tiling.py): months inside, days up to
them, hours at the ragged ends; a period cut at another zone's midnights (Santiago's) reads the same
numbers as the raw facts, whichever month and day boundaries it crosses."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from omnicanal.analytics import conversation_kpis, order_rollups, queries, tiling
from omnicanal.analytics.models import ConversationCell, RollupCell
from omnicanal.analytics.totals import Filters, grain_for, raw_totals, rollup_totals

H = dt.timedelta(hours=1)
SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SANTIAGO)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_utc_year_reads_months_and_the_days_at_its_ends():
    assert tiling.tiles(utc(2025, 12, 2), utc(2026, 12, 1)) == [
        ("day", utc(2025, 12, 2), utc(2026, 1, 1)), ("month", utc(2026, 1, 1), utc(2026, 12, 1))]


def test_a_month_in_santiago_reads_hours_at_its_ends_and_utc_days_between():
    # Santiago is UTC-3 in March 2026: its month runs from 03:00 UTC on the 1st to 03:00 UTC on April 1st
    assert tiling.tiles(local(2026, 3, 1), local(2026, 4, 1)) == [
        ("hour", utc(2026, 3, 1, 3), utc(2026, 3, 2)), ("day", utc(2026, 3, 2), utc(2026, 4, 1)),
        ("hour", utc(2026, 4, 1), utc(2026, 4, 1, 3))]
    assert grain_for(local(2026, 3, 1), local(2026, 4, 1)) == "hour"
    assert grain_for(utc(2026, 3, 1), utc(2026, 4, 1)) == "month"


def test_a_year_in_santiago_crossing_its_summer_time_change_reads_few_cells():
    ranges = tiling.tiles(local(2026, 1, 1), local(2027, 1, 1))  # -03:00 both ends, -04:00 between
    assert [grain for grain, *_ in ranges] == ["hour", "day", "month", "hour"]
    assert ranges[2] == ("month", utc(2026, 2, 1), utc(2027, 1, 1))


def test_coarsest_caps_the_grain():
    assert tiling.tiles(utc(2026, 3, 1), utc(2026, 4, 1), "hour") == [("hour", utc(2026, 3, 1), utc(2026, 4, 1))]
    assert tiling.tiles(utc(2026, 3, 1), utc(2026, 4, 1), "day") == [("day", utc(2026, 3, 1), utc(2026, 4, 1))]
    assert tiling.tiles(utc(2026, 3, 1), utc(2026, 3, 1)) == []
    assert tiling.cells_of(utc(2026, 3, 1), utc(2026, 3, 1)) is None


hours = st.integers(min_value=0, max_value=3 * 366 * 24)


@settings(max_examples=300)
@given(a=hours, b=hours, coarsest=st.sampled_from(["month", "day", "hour"]))
def test_the_tiles_cover_any_period_of_whole_hours_exactly_once(a, b, coarsest):
    start, end = utc(2025, 1, 1) + min(a, b) * H, utc(2025, 1, 1) + max(a, b) * H
    ranges = tiling.tiles(start, end, coarsest)
    cursor = start
    for grain, lo, hi in ranges:
        assert lo == cursor < hi  # contiguous, none empty
        assert tiling.whole(lo, grain) and tiling.whole(hi, grain)  # whole cells of its grain
        assert tiling.tiling_rank(grain) <= tiling.tiling_rank(coarsest)
        cursor = hi
    assert cursor == end


def _santiago_orders(shop, customer):
    """Orders on each side of Santiago's month and day boundaries (which are 03:00 UTC)."""
    at = [local(2026, 2, 28, 23, 30), local(2026, 3, 1, 0, 30), local(2026, 3, 1, 23, 30), local(2026, 3, 2, 0, 10),
          local(2026, 3, 31, 23, 59), local(2026, 4, 1, 0, 1)]
    return [shop.place(customer, at=when, channel=("web", "app")[i % 2], location=("SCL", "VAP")[i % 2])
            for i, when in enumerate(at)]


def test_a_period_in_santiago_crossing_months_and_days_agrees_with_the_facts(shop, ana):
    placed = _santiago_orders(shop, ana)
    shop.cancel(placed[3], at=local(2026, 3, 2, 1))
    order_rollups.do_count_overdue_promises()  # the periodic task, today (the promises have passed)
    for start, end in ((local(2026, 3, 1), local(2026, 4, 1)),  # March there: 4 of the 6 orders
                       (local(2026, 2, 1), local(2026, 3, 2)),  # February and a day: crosses the month
                       (local(2026, 3, 1, 12), local(2026, 3, 2, 12)),  # noon to noon: crosses the day
                       (utc(2026, 3, 1), utc(2026, 4, 1)),  # a UTC month: one month cell
                       (local(2026, 1, 1), local(2027, 1, 1))):  # a year there
        for filters in (Filters(start=start, end=end), Filters(start=start, end=end, channel="web"),
                        Filters(start=start, end=end, locations=frozenset({"VAP"}))):
            assert rollup_totals(filters) == raw_totals(filters), filters
            assert rollup_totals(filters, "hour") == rollup_totals(filters), filters
    march = queries.report(Filters(start=local(2026, 3, 1), end=local(2026, 4, 1)))
    assert march.source == "hour"
    assert march.kpis["orders"] == 3 and march.kpis["cancellations"] == 1  # placed[1], [2], [4]; [3] cancelled


def test_the_month_cells_are_the_sums_of_their_days(shop, ana):
    _santiago_orders(shop, ana)
    shop.write(at=local(2026, 2, 28, 23, 30))
    shop.write(at=local(2026, 3, 1, 0, 30), value="+56998761234")
    for model in (RollupCell, ConversationCell):
        days: dict[tuple, int] = {}
        for bucket, channel, location, metric, value in model.objects.filter(grain="day").values_list(
                "bucket", "channel", "location", "metric", "value"):
            key = (tiling.floor(bucket, "month"), channel, location, metric)
            days[key] = days.get(key, 0) + value
        months = {(bucket, channel, location, metric): value for bucket, channel, location, metric, value in
                  model.objects.filter(grain="month").values_list("bucket", "channel", "location", "metric", "value")}
        assert months == days != {}
    year = Filters(start=local(2026, 1, 1), end=local(2027, 1, 1))
    assert conversation_kpis.rollup_counts(year) == conversation_kpis.fact_counts(year) != {}

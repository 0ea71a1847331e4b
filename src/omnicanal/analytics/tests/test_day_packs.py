"""The customers' day packs (day_packs.py): a closed day's pack is its hour rows folded per customer;
a late change to a closed day marks its pack dirty and the reader reads that day live until the
worker builds it again; a day is packed only once closed for an hour; any unfiltered period of
whole hours (whole days packed, its ragged hours and today live) answers what the facts answer;
the migration and the rebuild build the history's packs; a process's memo never serves an old build."""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
from decimal import Decimal

import numpy as np
import pytest
from django.apps import apps
from django.db import connections, transaction

from omnicanal.analytics import day_packs, order_kpis, queries, services
from omnicanal.analytics.models import ChannelBit, CustomerDayPack, CustomerHour, CustomerKey
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters
from omnicanal.core import clock

H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
CUSTOMERS_KPIS = ("repeat_rate", "customers_by_channels_used")


def folded_day(day: dt.datetime) -> list[tuple[int, int, int, int]]:
    """[(key, orders, spend in hundredths, channels mask)] computed here from the day's hour rows."""
    bits = dict(ChannelBit.objects.values_list("channel", "bit"))
    keys = dict(CustomerKey.objects.values_list("customer_id", "pk"))
    out: dict[int, tuple[int, int, int]] = {}
    for customer, channel, placed, spend in CustomerHour.objects.filter(
            bucket__gte=day, bucket__lt=day + D, orders__gt=0).values_list("customer_id", "channel", "orders", "spend"):
        n, cents, mask = out.get(keys[customer], (0, 0, 0))
        out[keys[customer]] = (n + placed, cents + int(spend * 100), mask | 1 << bits[channel])
    return [(key, *out[key]) for key in sorted(out)]


def pack_rows() -> dict[dt.datetime, list[tuple[int, int, int, int]]]:
    """{day: its clean pack's entries}."""
    return {pack.day: [tuple(int(v) for v in row) for row in zip(*day_packs.decode(pack.blob), strict=True)]
            for pack in CustomerDayPack.objects.filter(dirty=False, layout=day_packs.LAYOUT)}


def packs_agree() -> bool:
    return all(rows == folded_day(day) for day, rows in pack_rows().items())


def same_as_facts(filters: Filters) -> None:
    rolled = order_kpis.customers_kpis(filters, queries.money)
    exact = queries._orders_from_facts(filters)
    assert rolled == {name: exact[name] for name in CUSTOMERS_KPIS}, filters


def test_a_late_cancellation_dirties_the_closed_days_pack_which_is_read_live_until_built(shop, ana, bea):
    web = shop.place(ana, at=DAY + 9 * H, channel="web")
    shop.place(ana, at=DAY + 10 * H, channel="app")
    shop.place(bea, at=DAY + 11 * H, channel="web")
    shop.place(bea, at=DAY + D + 9 * H, channel="web")
    week = Filters(start=DAY, end=DAY + 7 * D)

    assert day_packs.do_build_day_packs(now=DAY + 3 * D) == 2  # the two closed days with hours
    assert sorted(pack_rows()) == [DAY, DAY + D] and packs_agree()
    assert day_packs.customers_table(week.start, week.end) is not None  # read off the packs
    same_as_facts(week)

    shop.cancel(web, at=DAY + 3 * D + H)  # a closed day's hour changes: its pack is dirty

    assert CustomerDayPack.objects.get(day=DAY).dirty
    assert sorted(pack_rows()) == [DAY + D]
    assert DAY not in day_packs._packs(week.start, week.end, memo=False)  # DAY is read live
    same_as_facts(week)
    assert day_packs.days_to_build(now=DAY + 3 * D + 2 * H) == [DAY, DAY + 2 * D]  # and the empty day between
    first = CustomerDayPack.objects.get(day=DAY + D).version
    day_packs.do_build_day_packs(now=DAY + 3 * D + 2 * H)
    assert CustomerDayPack.objects.get(day=DAY + D).version == first and packs_agree()  # only DAY was built
    same_as_facts(week)


def test_a_change_to_an_open_day_marks_nothing_and_a_day_is_packed_an_hour_after_it_closes(shop, ana):
    shop.place(ana, at=DAY + 23 * H + 30 * dt.timedelta(minutes=1))
    assert not CustomerDayPack.objects.exists()  # the order's day was open: no pack row

    assert day_packs.days_to_build(now=DAY + D + 59 * dt.timedelta(minutes=1)) == []
    assert day_packs.days_to_build(now=DAY + D + H) == [DAY]


def test_any_unfiltered_period_of_whole_hours_reads_packs_and_live_hours_as_the_facts_answer(shop, ana, bea):
    for day in range(4):
        shop.place(ana, at=DAY + day * D + 2 * H, channel=("web", "app")[day % 2])
        shop.place(bea, at=DAY + day * D + 20 * H, channel="pos" if day == 2 else "web")
    day_packs.do_build_day_packs(now=DAY + 2 * D + 3 * H)  # DAY and DAY + 1 packed; the rest live
    assert sorted(pack_rows()) == [DAY, DAY + D]
    with clock.frozen(DAY + 3 * D + 21 * H):  # "today" is DAY + 3
        for start, end in ((DAY, DAY + 4 * D), (DAY + 3 * H, DAY + 3 * D + 21 * H), (DAY - 7 * D, DAY + 365 * D),
                           (DAY + D, DAY + 2 * D), (DAY + 2 * D, DAY + 4 * D)):
            same_as_facts(Filters(start=start, end=end))


def test_the_memo_never_serves_an_older_build_and_cold_equals_warm(shop, ana, bea):
    order = shop.place(ana, at=DAY + 9 * H)
    shop.place(bea, at=DAY + 9 * H, channel="app")
    day_packs.do_build_day_packs(now=DAY + 2 * D)
    day_packs.forget()
    cold = day_packs.customers_table(DAY, DAY + D)
    assert day_packs.customers_table(DAY, DAY + D) == cold  # warm: decoded once
    shop.cancel(order, at=DAY + 2 * D)
    day_packs.do_build_day_packs(now=DAY + 2 * D + 2 * H)  # another version
    assert day_packs.customers_table(DAY, DAY + D) == [(1, 1, cold[0][2] - _cents(ana), 0)] != cold


def _cents(customer: str) -> int:
    from omnicanal.orders import queries as orders

    return sum(int(f.total * 100) for f in orders.order_facts() if f.customer_id == customer)


def test_the_migration_and_the_rebuild_build_the_history_packs(shop, ana, bea):
    shop.place(ana, at=DAY + 9 * H)
    shop.place(bea, at=DAY + 5 * D + 9 * H, channel="app")
    migration = importlib.import_module("omnicanal.analytics.migrations.0009_customer_day_packs")

    with clock.frozen(DAY + 6 * D + 2 * H):
        migration.day_packs(apps, None)  # the real models stand for the historical ones

    assert sorted(pack_rows()) == [DAY + n * D for n in range(6)] and packs_agree()  # empty days too
    CustomerDayPack.objects.all().delete()
    with clock.frozen(DAY + 6 * D + 2 * H):
        services.do_rebuild_rollups()
    assert sorted(pack_rows()) == [DAY + n * D for n in range(6)] and packs_agree()
    same_as_facts(Filters(start=DAY, end=DAY + 7 * D))


def test_groups_fold_the_entries_per_customer(db):
    def cols(*rows):
        return tuple(np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))

    # customer 1: two days on channels 0 and 1 (two orders); customer 5: one day, channel 0 only;
    # customer 9: 3 orders on channel 2 in one day
    parts = [cols((1, 1, 500, 1), (5, 1, 100, 1)), cols((1, 1, 250, 2)), cols((9, 3, 7 * 2 ** 40, 4))]
    assert day_packs.groups(parts) == [(1, 2, 100 + 7 * 2 ** 40, 1), (2, 1, 750, 1)]
    assert day_packs.groups([]) == []
    huge = cols((3, 1, 2 ** 53 + 1, 1), (3, 1, 2, 1), (4, 1, 2 ** 53 + 3, 2))  # beyond float64's exact integers
    assert day_packs.groups([huge]) == [(1, 2, 2 ** 54 + 6, 1)]
    blob = day_packs.encode(parts[2])
    assert [int(c[0]) for c in day_packs.decode(blob)] == [9, 3, 7 * 2 ** 40, 4]
    assert len(blob) == day_packs.HEADER.size + 1 + 1 + 8 + 1  # each column at its narrowest width


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_build_waits_for_a_handler_that_dirtied_the_day_and_reads_its_change():
    """PostgreSQL, two connections: the worker builds a dirty day while a handler that changed the
    day's hours and marked it again has not committed yet: the build waits on the pack row, then reads
    the change (it never writes a clean pack without it). (A build that found the day clean builds
    nothing: the handler's mark leaves it dirty.)"""
    CustomerHour.objects.create(customer_id="cus_a", bucket=DAY + 9 * H, channel="web", orders=1,
                                spend=Decimal("10.00"))
    day_packs.do_build_day_packs(now=DAY + 3 * D)
    with clock.frozen(DAY + 3 * D), transaction.atomic():
        day_packs.mark_dirty(DAY + 9 * H)  # an earlier late change: the worker will build DAY again
    marked = threading.Event()

    def handler():
        try:
            with transaction.atomic():
                CustomerHour.objects.create(customer_id="cus_b", bucket=DAY + 10 * H, channel="app", orders=2,
                                            spend=Decimal("5.50"))
                with clock.frozen(DAY + 3 * D):
                    day_packs.mark_dirty(DAY + 10 * H)
                marked.set()
                time.sleep(0.5)  # the build starts meanwhile: it must wait for this commit
        finally:
            connections.close_all()

    thread = threading.Thread(target=handler)
    thread.start()
    assert marked.wait(30)
    day_packs.do_build_day_packs(now=DAY + 3 * D + 2 * H)
    thread.join()

    assert not CustomerDayPack.objects.get(day=DAY).dirty
    assert len(pack_rows()[DAY]) == 2 and packs_agree()


def test_the_periodic_task_builds_the_closed_days(shop, ana):
    from omnicanal.analytics.tasks import build_day_packs

    shop.place(ana, at=DAY + 9 * H)
    with clock.frozen(DAY + D + 2 * H):
        assert build_day_packs.call_local() == 1
        assert build_day_packs.call_local() == 0  # nothing dirty, no new closed day
    assert sorted(pack_rows()) == [DAY] and packs_agree()

"""The worker's OrderPlaced batch is counted at once (services.do_count_orders, issue 23): a few
statements per batch rather than ~50 per order, landing on exactly the rows counting the orders one
at a time leaves (cells, customers' hours and months, the counted notes, the day packs' marks)."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.analytics import handlers, order_rollups, services
from omnicanal.analytics.models import (
    CountedOrder,
    CustomerDayPack,
    CustomerHour,
    CustomerMonth,
    RollupCell,
)
from omnicanal.analytics.tests.conftest import DAY, H
from omnicanal.core import clock
from omnicanal.core.outbox import Envelope
from omnicanal.orders import queries as orders
from omnicanal.orders.tests.conftest import make_customer

LATER = DAY + 30 * H  # the worker runs then: DAY is closed, so its pack is marked dirty


def _placed(order_ids):
    return [Envelope(id=i, topic="orders.OrderPlaced", payload={"order_id": order_id}, occurred_at=DAY)
            for i, order_id in enumerate(order_ids, 1)]


def _forget():
    for model in (RollupCell, CountedOrder, CustomerHour, CustomerMonth, CustomerDayPack):
        model.objects.all().delete()


def _one_by_one(order_id):
    """The handler's former steps for one order: count its placement, then sync it."""
    fact = orders.order_fact(order_id)
    services.do_count_order(fact=fact)
    order_rollups.do_sync_order(order_id=order_id)


def _rows():
    notes = CountedOrder._meta.get_fields()
    return {
        "cells": sorted(c for c in RollupCell.objects.values_list("grain", "bucket", "channel", "location", "metric",
                                                                  "value") if c[-1]),
        "hours": sorted(h for h in CustomerHour.objects.values_list("customer_id", "bucket", "channel", "location",
                                                                    "orders", "spend") if h[-2]),
        "months": sorted(CustomerMonth.objects.values_list("customer_id", "month", "orders", "spend_cents", "channels")),
        "notes": sorted(CountedOrder.objects.values_list(*(f.name for f in notes if f.name != "id"))),
        "packs": sorted(CustomerDayPack.objects.values_list("day", "dirty")),
    }


def test_a_batch_lands_on_the_rows_counting_one_order_at_a_time_leaves(shop, ana, bea):
    shop.write(at=DAY + 8 * H)  # Ana wrote on WhatsApp first: her web orders are cross-channel
    ids = [shop.place(ana, at=DAY + 10 * H, location="SCL", channel="web"),
           shop.place(ana, at=DAY + 10 * H, location="VAP", channel="app"),
           shop.place(bea, at=DAY + 11 * H, location="SCL", channel="web"),
           shop.place(bea, at=DAY + 11 * H, method="ship", channel="web"),
           shop.place("", at=DAY + 11 * H, location="SCL", channel="web")]  # no customer
    cancelled = shop.place(bea, at=DAY + 10 * H, location="SCL", channel="web")
    shop.cancel(cancelled, at=DAY + 12 * H, cause="customer_request")
    shop.ready(ids[0], at=DAY + 12 * H)
    shop.collect(ids[0], at=DAY + 12 * H)
    every = [*ids, cancelled]

    _forget()
    with clock.frozen(LATER), transaction.atomic():
        for order_id in every:
            _one_by_one(order_id)
        handlers.count_orders_cancelled([Envelope(id=9, topic="orders.OrderCancelled",
                                                  payload={"order_id": cancelled}, occurred_at=DAY)])
    one_by_one = _rows()

    _forget()
    with clock.frozen(LATER), transaction.atomic():
        _one_by_one(ids[2])  # counted already (a retried batch): it adds nothing more
        # newest first, an event twice, the cancelled order among them
        handlers.count_orders_placed(_placed([*reversed(every), ids[0]]))
        handlers.count_orders_cancelled([Envelope(id=9, topic="orders.OrderCancelled",
                                                  payload={"order_id": cancelled}, occurred_at=DAY)])

    assert _rows() == one_by_one
    assert {h[0] for h in one_by_one["hours"]} == {ana, bea} and len({h[1] for h in one_by_one["hours"]}) == 2
    assert ("day", DAY, "web", "SCL", "cross_channel_orders", 1) in one_by_one["cells"]
    assert (DAY, True) in one_by_one["packs"]


def test_a_retried_batch_adds_nothing(shop, ana):
    ids = [shop.place(ana, at=DAY + 10 * H), shop.place(ana, at=DAY + 11 * H, channel="app")]
    counted = _rows()

    with clock.frozen(DAY + 12 * H), transaction.atomic():  # the same day: no promise has passed since
        assert services.do_count_orders(order_ids=ids) == 0

    assert _rows() == counted


@pytest.mark.parametrize("n", [2, 10])
def test_a_batch_of_placed_orders_costs_statements_per_batch_not_per_order(shop, ana, n,
                                                                          django_assert_max_num_queries):
    customers = [ana, *(make_customer(phone=f"+569990{i:05d}", name=f"Cliente {i}", email=f"c{i}@example.cl")
                        for i in range(n - 1))]
    ids = [shop.place(customers[i], at=DAY + 10 * H + i * dt.timedelta(minutes=3), location=("SCL", "VAP")[i % 2])
           for i in range(n)]
    _forget()

    # measured 21 statements on SQLite and 20 on PostgreSQL (its locations read through libpq) for
    # 1, 2, 10 or 40 orders of as many customers at two stores; one at a time: ~53 an order (530 for 10)
    with clock.frozen(LATER), transaction.atomic(), django_assert_max_num_queries(23 + n // 5):
        handlers.count_orders_placed(_placed(ids))

    assert CountedOrder.objects.count() == n and CustomerMonth.objects.count() == n
    assert sum(RollupCell.objects.filter(grain="day", metric="orders").values_list("value", flat=True)) == n


def test_a_note_another_handler_created_meanwhile_adds_nothing(shop, ana):
    ids = [shop.place(ana, at=DAY + 10 * H), shop.place(ana, at=DAY + 11 * H)]
    _forget()
    facts = {fact.order_id: fact for fact in orders.order_facts(order_ids=ids)}
    with transaction.atomic():  # a cancellation's handler counted the first one after the batch's lock
        CountedOrder.objects.create(order_id=ids[0], **{**services._defaults(facts[ids[0]], {}), "cancelled": True})

        notes, created = services._create_notes(facts, {})

    assert [note.order_id for note in notes] == ids and created == {ids[1]}
    assert CountedOrder.objects.get(order_id=ids[0]).cancelled


def test_a_first_time_batch_inserts_its_notes_synced_and_never_updates_them(shop, ana, bea):
    ids = [shop.place(ana, at=DAY + 10 * H), shop.place(bea, at=DAY + 11 * H, channel="app")]
    shop.ready(ids[0], at=DAY + 12 * H)
    _forget()

    with clock.frozen(LATER), transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        handlers.count_orders_placed(_placed(ids))

    notes = [q["sql"] for q in ctx.captured_queries if '"analytics_countedorder"' in q["sql"]]
    assert [sql.split()[0] for sql in notes] == ["SELECT", "INSERT"]  # the lock, then the final notes
    note = CountedOrder.objects.get(order_id=ids[1])
    assert (note.counted_customer, note.cross_channel, note.added["units"]) == (bea, False, "1")
    assert any(m.startswith("cycle:placed_to_ready:SCL:") for m in CountedOrder.objects.get(order_id=ids[0]).added)


def test_a_note_created_while_the_batch_plans_lands_where_one_created_before_it_does(shop, ana, monkeypatch):
    ids = [shop.place(ana, at=DAY + 10 * H), shop.place(ana, at=DAY + 11 * H, channel="app"),
           shop.place(ana, at=DAY + 9 * H)]
    shop.ready(ids[2], at=DAY + 12 * H)
    facts = {fact.order_id: fact for fact in orders.order_facts(order_ids=ids)}

    def counted_before():  # the third order's placement counted, not synced yet: its sync adds the rest
        services.do_count_order(fact=facts[ids[2]])

    def cancellations_note():  # what a cancellation's handler creates for the first order
        CountedOrder.objects.create(order_id=ids[0], **{**services._defaults(facts[ids[0]], {}), "cancelled": True})

    _forget()
    with clock.frozen(LATER), transaction.atomic():
        counted_before()
        cancellations_note()
        assert services.do_count_orders(order_ids=ids) == 1
    before = _rows()

    plan, clashes = order_rollups.plan_counted, [cancellations_note]

    def plan_then_clash(*args, **kw):  # the note appears after the batch's lock, before its INSERT
        plan(*args, **kw)
        while clashes:
            clashes.pop()()

    _forget()
    monkeypatch.setattr(order_rollups, "plan_counted", plan_then_clash)
    with clock.frozen(LATER), transaction.atomic():
        counted_before()
        assert services.do_count_orders(order_ids=ids) == 1

    assert _rows() == before
    day = {metric: sum(c[-1] for c in before["cells"] if c[0] == "day" and c[-2] == metric) for metric in ("orders", "units")}
    assert day == {"orders": 2, "units": 2}  # the cancellation's note counted nothing; the third order synced

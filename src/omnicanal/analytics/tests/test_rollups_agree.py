"""The rollups (kept incrementally by the outbox handlers and the overdue promises' task) agree with the
raw facts after any sequence of orders, payments, fulfilment steps, cancellations and returns (every
metric, order_rollups' too, and the KPIs read off them: the customers' table exactly, cycle times
within a bucket; the customers' month rows are their hours folded, and an unfiltered period of whole
months reads them), and the conversation cells with conversations' facts after any sequence of
messages, replies, resolutions, reopenings, linked orders and routing; and a rebuild from the facts
lands on the same cells. The customers' day packs too: a "pack" step builds the days closed by
then, later steps change those days (cancellations), and every unfiltered period reads the packs
still clean and the dirty days live, as the facts answer; once built again, each pack is its day's
hours folded, and the rebuild builds the same ones."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from omnicanal.analytics import (
    conversation_kpis,
    conversation_rollups,
    day_packs,
    order_kpis,
    order_rollups,
    queries,
    services,
)
from omnicanal.analytics.models import ConversationCell, CustomerDayPack, CustomerHour, RollupCell
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.tests.test_customer_months import folded_hours, month_rows
from omnicanal.analytics.tests.test_day_packs import pack_rows, packs_agree
from omnicanal.analytics.totals import Filters, raw_totals, rollup_totals
from omnicanal.core import clock

H = dt.timedelta(hours=1)
# Periods read through the monthly cells: March in UTC with hours either side (hours, the month,
# hours), March in Santiago (UTC-3 then: hours, UTC days, hours), and March in UTC (the month alone:
# the customers' month rows answer the customers' table).
MARCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
MONTHS = ((MARCH - 5 * H, dt.datetime(2026, 4, 1, 3, tzinfo=dt.UTC)), (MARCH, dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
          (dt.datetime(2026, 3, 1, tzinfo=zoneinfo.ZoneInfo("America/Santiago")),
           dt.datetime(2026, 4, 1, tzinfo=zoneinfo.ZoneInfo("America/Santiago"))))
# (method, location, channel) of an order: store pickups, curbside, the locker, shipments, POS sales.
KINDS = [("pickup", "SCL", "web"), ("pickup", "VAP", "app"), ("curbside", "SCL", "web"),
         ("pickup_point", "LOCK", "web"), ("ship", "", "web"), ("carry_out", "SCL", "pos")]

step = st.one_of(
    st.tuples(st.just("place"), st.sampled_from(range(len(KINDS))), st.integers(1, 3)),
    st.tuples(st.just("pay"), st.integers(0, 20), st.just(0)),
    # a cancellation (its reason: b % 3), the worker having built the closed days' packs first when b >= 3
    st.tuples(st.just("cancel"), st.integers(0, 20), st.sampled_from(range(6))),
    st.tuples(st.just("return"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("ready"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("hand"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("pack"), st.just(0), st.just(0)),  # the worker builds the days closed by then
)


def _apply(shop, customer, plan):
    """Run the plan hour by hour over two days; steps that the order book refuses are skipped (a
    refusal writes nothing, which is part of what the comparison checks)."""
    placed: list[str] = []
    for hour, (kind, a, b) in enumerate(plan):
        at = DAY + (hour * 7) * H  # spread over three days (several steps in some hours)
        try:
            if kind == "place":
                method, location, channel = KINDS[a]
                cash = channel == "pos"
                placed.append(shop.place(customer, at=at, method=method, location=location or "SCL", channel=channel,
                                         quantity=b, pay="cash" if cash else ("card" if b != 2 else None),
                                         amount=5000 * b if cash else None))
            elif placed and kind == "pay":
                shop.collect(placed[a % len(placed)], at=at)
            elif placed and kind == "cancel":
                if b >= 3:  # a late change to a packed day, when the order was placed on a closed one
                    with clock.frozen(at):
                        day_packs.do_build_day_packs()
                shop.cancel(placed[a % len(placed)], at=at, reason=("customer", "no_stock", "Ana's words")[b % 3],
                            cause=("customer_request", "", "")[b % 3])
            elif placed and kind == "return":  # handed to the customer first (when not done yet)
                _hand(shop, placed[a % len(placed)], at=at)
                shop.return_(placed[a % len(placed)], at=at + H)
            elif placed and kind == "ready":  # a pickup's first steps (a shipment refuses "ready")
                shop.ready(placed[a % len(placed)], at=at)
            elif placed and kind == "hand":  # to the customer: ready, paid and handed over, or shipped and delivered
                _hand(shop, placed[a % len(placed)], at=at)
            elif kind == "pack":
                with clock.frozen(at):
                    day_packs.do_build_day_packs()
        except Exception as exc:  # noqa: BLE001 - only the order book's own refusals are expected
            assert getattr(exc, "status", 0) in (403, 404, 409, 422), repr(exc)


def _hand(shop, order, *, at):
    from omnicanal.orders import queries

    method = queries.order_fact(order).fulfillments[0].method
    steps = (("pick", "pack", "ship", "deliver") if method == "ship" else ("pick", "pack", "ready", "pay", "handover"))
    for action in steps:
        try:  # each step may be refused (done already, cancelled): the next ones are still tried
            if action == "pay":
                shop.collect(order, at=at)
            else:
                shop.step(order, action, at=at, data={"carrier": "manual", "tracking": "T-1"})
        except Exception as exc:  # noqa: BLE001 - only the order book's own refusals are expected
            assert getattr(exc, "status", 0) in (403, 404, 409, 422), repr(exc)


def _every_view(start, end):
    return [Filters(start=start, end=end), Filters(start=start, end=end, channel="web"),
            Filters(start=start, end=end, locations=frozenset({"SCL"})),
            Filters(start=start, end=end, channel="pos", locations=frozenset({"SCL", "LOCK"}))]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(plan=st.lists(step, min_size=1, max_size=10))
# at least once: an order placed on DAY, its day packed when the worker runs at 35:00, then cancelled
@example(plan=[("place", 0, 1), ("place", 1, 2), ("ready", 0, 0), ("hand", 1, 0), ("pay", 0, 0), ("cancel", 0, 3)])
def test_rollups_agree_with_the_raw_facts_after_any_sequence(shop, ana, plan):
    RollupCell.objects.all().delete()
    services.do_rebuild_rollups()  # the examples share one database: start from what it holds
    CustomerDayPack.objects.all().delete()  # the plan's clock starts on DAY: no later day is packed yet
    _apply(shop, ana, plan)
    order_rollups.do_count_overdue_promises()  # the periodic task, today (long after the plan's days)
    assert month_rows() == folded_hours()  # each customer's month row is its hours folded

    for filters in _every_view(DAY, DAY + dt.timedelta(days=3)):
        assert rollup_totals(filters, "day") == raw_totals(filters), filters
        _same_kpis(filters, "day")
    for filters in _every_view(DAY + 5 * H, DAY + 30 * H):
        assert rollup_totals(filters, "hour") == raw_totals(filters), filters
        _same_kpis(filters, "hour")
    for start, end in MONTHS:  # the monthly cells, with days and hours at the ends
        for filters in _every_view(start, end):
            assert rollup_totals(filters, "month") == raw_totals(filters), filters
            _same_kpis(filters, "month")
    day_packs.do_build_day_packs()  # now (long after the plan's days): every day built again
    assert packs_agree()
    for start, end in ((DAY, DAY + dt.timedelta(days=3)), *MONTHS):
        _same_kpis(Filters(start=start, end=end), "month")
    incremental = _cells()
    services.do_rebuild_rollups()
    assert incremental == _cells()


def _cells():
    cells = sorted(RollupCell.objects.values_list("grain", "bucket", "channel", "location", "metric", "value"))
    customers = sorted(CustomerHour.objects.values_list("customer_id", "bucket", "channel", "location", "orders",
                                                        "spend"))
    return ([c for c in cells if c[-1]], [c for c in customers if c[-2]], sorted(month_rows().items()),
            {day: rows for day, rows in pack_rows().items() if rows})


def _same_kpis(filters, grain):
    """The order KPIs read off the rollups are the ones computed from the facts (cycle times within
    the histogram's 5 %, or a minute)."""
    rolled = order_kpis.from_rollups(filters, rollup_totals(filters, grain), queries.money)
    exact = queries._orders_from_facts(filters)
    rolled_cycles, exact_cycles = rolled.pop("cycle_times"), exact.pop("cycle_times")
    assert rolled == exact, filters
    assert rolled_cycles.keys() == exact_cycles.keys()
    for where, spans in exact_cycles.items():
        assert rolled_cycles[where].keys() == spans.keys()
        for span, exact_span in spans.items():
            assert rolled_cycles[where][span]["count"] == exact_span["count"]
            for q in ("p50", "p90"):
                assert rolled_cycles[where][span][q] == pytest.approx(exact_span[q], rel=0.05, abs=1.0)


def test_the_rebuild_command_counts_the_history(shop, ana):
    from io import StringIO

    from django.core.management import call_command

    shop.place(ana, at=DAY + 9 * H)
    shop.cancel(shop.place(ana, at=DAY + 10 * H), at=DAY + 11 * H)
    RollupCell.objects.all().delete()
    out = StringIO()

    call_command("analytics_rebuild", stdout=out)

    assert "counted 2 orders" in out.getvalue()
    filters = Filters(start=DAY, end=DAY + dt.timedelta(days=1))
    assert rollup_totals(filters, "day") == raw_totals(filters) != {}


# --- the conversation cells --------------------------------------------------------------------

PHONES = ("+56987654321", "+56998761234")  # Ana's and Bea's
STORES = ("", "SCL", "VAP")
M = dt.timedelta(minutes=1)

talk = st.one_of(
    # a customer writes (a new conversation, the open one, or a reopening within the window), on a
    # channel, through a store's inbox or the shop's
    st.tuples(st.just("write"), st.integers(0, 1), st.sampled_from(("whatsapp", "sms")), st.sampled_from(STORES)),
    st.tuples(st.sampled_from(("reply", "bot", "resolve", "reopen")), st.integers(0, 9), st.just(0), st.just("")),
    # staff name an order (its store: SCL or VAP), set the store, or hand it to a one-store team
    st.tuples(st.sampled_from(("link", "route", "team")), st.integers(0, 9), st.integers(0, 1),
              st.sampled_from(STORES)),
)


def _talk(shop, orders, plan):
    """Each step some minutes after the one before (crossing hours and a day); refusals are skipped."""
    conversations: list[str] = []
    at = DAY + 22 * H
    for kind, a, b, store in plan:
        at += (37 + 53 * a) * M
        try:
            if kind == "write":
                received = shop.write(at=at, value=PHONES[a], channel=b, store=store)
                if received.conversation.public_id not in conversations:
                    conversations.append(received.conversation.public_id)
                continue
            if not conversations:
                continue
            conv = conversations[a % len(conversations)]
            if kind == "reply":
                shop.reply(conv, at=at)
            elif kind == "bot":
                shop.bot_reply(conv, at=at)
            elif kind == "resolve":
                shop.resolve(conv, at=at)
            elif kind == "reopen":
                shop.reopen(conv, at=at)
            elif kind == "link":
                shop.link(conv, orders[b], at=at)
            elif kind == "route":
                shop.route(conv, at=at, store=store)
            else:
                shop.route(conv, at=at, team=("scl-team", "all-team")[b])
        except Exception as exc:  # noqa: BLE001 - only the inbox's own refusals are expected
            assert getattr(exc, "status", 0) in (403, 404, 409, 422), repr(exc)


def _conversation_views(start, end):
    return [Filters(start=start, end=end), Filters(start=start, end=end, channel="whatsapp"),
            Filters(start=start, end=end, locations=frozenset({"SCL"})),
            Filters(start=start, end=end, locations=frozenset({"VAP"})),
            Filters(start=start, end=end, channel="sms", locations=frozenset({"SCL", "VAP"}))]


def _conversation_cells():
    return sorted(c for c in ConversationCell.objects.values_list("grain", "bucket", "channel", "location", "metric",
                                                                  "value") if c[-1])


@pytest.fixture
def talk_world(shop, ana, bea):
    from django.db import transaction

    from omnicanal.conversations.services import do_save_team

    with transaction.atomic():
        do_save_team(slug="scl-team", name="SCL", store_codes=["SCL"])
        do_save_team(slug="all-team", name="Todas", store_codes=["SCL", "VAP"])
    return [shop.place(ana, at=DAY + 20 * H, location="SCL"), shop.place(bea, at=DAY + 20 * H, location="VAP")]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(plan=st.lists(talk, min_size=1, max_size=12))
def test_conversation_cells_agree_with_the_facts_after_any_sequence(shop, talk_world, plan):
    conversation_rollups.do_rebuild_conversation_rollups()  # the examples share one database
    _talk(shop, talk_world, plan)

    for filters in _conversation_views(DAY, DAY + dt.timedelta(days=3)):
        assert conversation_kpis.rollup_counts(filters, "day") == conversation_kpis.fact_counts(filters), filters
    for filters in _conversation_views(DAY + 23 * H, DAY + 40 * H):
        assert conversation_kpis.rollup_counts(filters, "hour") == conversation_kpis.fact_counts(filters), filters
    for filters in (view for start, end in MONTHS for view in _conversation_views(start, end)):
        assert conversation_kpis.rollup_counts(filters, "month") == conversation_kpis.fact_counts(filters), filters
    incremental = _conversation_cells()
    conversation_rollups.do_rebuild_conversation_rollups()
    assert _conversation_cells() == incremental


def test_an_agent_answering_after_the_bot_takes_the_containment_back(shop, ana):
    conv = shop.write(at=DAY + 9 * H, store="SCL").conversation.public_id
    shop.bot_reply(conv, at=DAY + 9 * H + M)
    day = Filters(start=DAY, end=DAY + dt.timedelta(days=1))
    assert conversation_kpis.rollup_counts(day, "day")["whatsapp"]["bot_contained"] == 1

    shop.reply(conv, at=DAY + 9 * H + 5 * M)

    counts = conversation_kpis.rollup_counts(day, "day")["whatsapp"]
    assert "bot_contained" not in counts and counts["bot_answered"] == 1
    assert conversation_kpis.kpis_of(conversation_kpis.rollup_counts(day, "day"))["bot_containment"] == 0.0


def test_the_rebuild_command_counts_the_conversations(shop, ana):
    from io import StringIO

    from django.core.management import call_command

    shop.reply(shop.write(at=DAY + 9 * H).conversation.public_id, at=DAY + 9 * H + 5 * M)
    ConversationCell.objects.all().delete()
    out = StringIO()

    call_command("analytics_rebuild", stdout=out)

    assert "counted 1 conversations" in out.getvalue()
    filters = Filters(start=DAY, end=DAY + dt.timedelta(days=1))
    assert conversation_kpis.rollup_counts(filters, "day") == conversation_kpis.fact_counts(filters) != {}


def test_a_worker_batch_of_conversations_is_recounted_with_statements_per_batch(
        shop, ana, bea, django_assert_max_num_queries):
    from omnicanal.analytics.models import CountedConversation

    convs = [shop.write(at=DAY + 9 * H, value=PHONES[0], store="SCL").conversation.public_id,
             shop.write(at=DAY + 9 * H, value=PHONES[1], store="VAP").conversation.public_id]
    shop.bot_reply(convs[0], at=DAY + 9 * H + M)
    shop.reply(convs[1], at=DAY + 9 * H + 5 * M)
    incremental = _conversation_cells()
    ConversationCell.objects.all().delete()
    CountedConversation.objects.all().delete()

    # the notes locked by one statement and the facts of both read together: a conversation more adds
    # only its own note's write (each event's recount used to lock and read five times per conversation)
    with django_assert_max_num_queries(6 + 3 * len(convs)):
        assert conversation_rollups.do_recount_conversations(conversation_ids=[*convs, convs[0]]) == 2
    assert _conversation_cells() == incremental
    with django_assert_max_num_queries(5):  # nothing changed: the lock and the facts
        assert conversation_rollups.do_recount_conversations(conversation_ids=convs) == 0
    assert _conversation_cells() == incremental

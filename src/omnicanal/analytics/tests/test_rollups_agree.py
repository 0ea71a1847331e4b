"""The rollups (kept incrementally by the outbox handlers and the overdue promises' task) agree with the
raw facts after any sequence of orders, payments, fulfilment steps, cancellations and returns (every
metric, order_rollups' too, and the KPIs read off them: the customers' table exactly, cycle times
within a bucket); and a rebuild from the facts lands on the same cells."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicanal.analytics import order_kpis, order_rollups, queries, services
from omnicanal.analytics.models import CustomerHour, RollupCell
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters, raw_totals, rollup_totals

H = dt.timedelta(hours=1)
# (method, location, channel) of an order: store pickups, curbside, the locker, shipments, POS sales.
KINDS = [("pickup", "SCL", "web"), ("pickup", "VAP", "app"), ("curbside", "SCL", "web"),
         ("pickup_point", "LOCK", "web"), ("ship", "", "web"), ("carry_out", "SCL", "pos")]

step = st.one_of(
    st.tuples(st.just("place"), st.sampled_from(range(len(KINDS))), st.integers(1, 3)),
    st.tuples(st.just("pay"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("cancel"), st.integers(0, 20), st.sampled_from(range(3))),
    st.tuples(st.just("return"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("ready"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("hand"), st.integers(0, 20), st.just(0)),
)


def _apply(shop, customer, plan):
    """Run the plan hour by hour over two days; steps that the order book refuses are skipped (a
    refusal writes nothing, which is part of what the comparison checks)."""
    placed: list[str] = []
    for hour, (kind, a, b) in enumerate(plan):
        at = DAY + (hour * 5) * H  # spread over days, several steps in some hours
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
                shop.cancel(placed[a % len(placed)], at=at, reason=("customer", "no_stock", "fraud")[b])
            elif placed and kind == "return":  # handed to the customer first (when not done yet)
                _hand(shop, placed[a % len(placed)], at=at)
                shop.return_(placed[a % len(placed)], at=at + H)
            elif placed and kind == "ready":  # a pickup's first steps (a shipment refuses "ready")
                shop.ready(placed[a % len(placed)], at=at)
            elif placed and kind == "hand":  # to the customer: ready, paid and handed over, or shipped and delivered
                _hand(shop, placed[a % len(placed)], at=at)
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
def test_rollups_agree_with_the_raw_facts_after_any_sequence(shop, ana, plan):
    RollupCell.objects.all().delete()
    services.do_rebuild_rollups()  # the examples share one database: start from what it holds
    _apply(shop, ana, plan)
    order_rollups.do_count_overdue_promises()  # the periodic task, today (long after the plan's days)

    for filters in _every_view(DAY, DAY + dt.timedelta(days=3)):
        assert rollup_totals(filters, "day") == raw_totals(filters), filters
        _same_kpis(filters, "day")
    for filters in _every_view(DAY + 5 * H, DAY + 30 * H):
        assert rollup_totals(filters, "hour") == raw_totals(filters), filters
        _same_kpis(filters, "hour")
    incremental = _cells()
    services.do_rebuild_rollups()
    assert incremental == _cells()


def _cells():
    cells = sorted(RollupCell.objects.values_list("grain", "bucket", "channel", "location", "metric", "value"))
    customers = sorted(CustomerHour.objects.values_list("customer_id", "bucket", "channel", "location", "orders",
                                                        "spend"))
    return [c for c in cells if c[-1]], [c for c in customers if c[-2]]


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

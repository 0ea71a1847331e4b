"""The rollups (kept incrementally by the outbox handlers) agree with the raw facts after any sequence
of orders, payments, cancellations and returns; and a rebuild from the facts lands on the same cells."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicanal.analytics import services
from omnicanal.analytics.models import RollupCell
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
            elif placed and kind == "return":
                shop.return_(placed[a % len(placed)], at=at)
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

    for filters in _every_view(DAY, DAY + dt.timedelta(days=3)):
        assert rollup_totals(filters, "day") == raw_totals(filters), filters
    for filters in _every_view(DAY + 5 * H, DAY + 30 * H):
        assert rollup_totals(filters, "hour") == raw_totals(filters), filters
    incremental = sorted(RollupCell.objects.values_list("grain", "bucket", "channel", "location", "metric", "value"))
    services.do_rebuild_rollups()
    rebuilt = sorted(RollupCell.objects.values_list("grain", "bucket", "channel", "location", "metric", "value"))
    assert [c for c in incremental if c[-1]] == [c for c in rebuilt if c[-1]]


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

"""order_rollups' pure parts on hand-built facts (no database): the cycle-time histogram's buckets and
percentiles (within 5 % of the exact ones), what a live order adds to its placement's cells, and the
loyalty redemption read back off those cells as raw.py computes it from the facts."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from omnicanal.analytics import order_kpis, raw
from omnicanal.analytics import order_rollups as r
from omnicanal.analytics.tests.test_raw import AT, money, order
from omnicanal.analytics.totals import Filters
from omnicanal.orders.queries import FulfillmentFact, PaymentFact, ReturnFact, ReturnLineFact

pytestmark = pytest.mark.database_free
M = dt.timedelta(minutes=1)


def test_buckets_are_five_per_cent_wide_above_a_minute():
    assert r.cycle_bucket(0) == r.cycle_bucket(0.99) == 0 and r.bucket_range(0) == (0.0, 1.0)
    for value in (1.0, 7.5, 30.0, 60.0, 1440.0, 525600.0):
        low, high = r.bucket_range(r.cycle_bucket(value))
        assert low <= value < high * (1 + 1e-12) and high / low == pytest.approx(1.05)


def test_percentiles_off_the_histogram_are_within_a_bucket_of_the_exact_ones():
    rng = random.Random(19)
    for size in (1, 2, 7, 100, 1000):
        values = [rng.lognormvariate(4, 1.5) for _ in range(size)]
        counts: dict[int, int] = {}
        for value in values:
            counts[r.cycle_bucket(value)] = counts.get(r.cycle_bucket(value), 0) + 1
        for q in (0.5, 0.9):
            exact = raw.percentile(values, q)
            assert r.histogram_percentile(counts, q) == pytest.approx(exact, rel=0.05, abs=1.0), (size, q)
    assert r.histogram_percentile({}, 0.5) is None


def _pickup(*, ready, picked_up=None, promised=AT):
    return FulfillmentFact(fulfillment_id="ful_1", method="pickup", location="SCL", handover_location="SCL",
                           status="picked_up" if picked_up else "ready_for_pickup", ready_at=ready,
                           picked_up_at=picked_up, delivered_at=None, promised_at=promised)


def test_a_live_order_adds_its_units_returns_redemption_cycle_times_and_promise():
    fact = order("ord_1", payments=[PaymentFact("points", "captured", Decimal(2000))],
                 fulfillments=[_pickup(ready=AT + 30 * M, picked_up=AT + 90 * M)])
    ret = ReturnFact(return_id="ret_1", order_id="ord_1", customer_id="cus_1", order_channel="web",
                     order_location="WH", location="SCL", by_mail=False, status="received", created_at=AT,
                     received_at=AT, refunded=Decimal(0), lines=(ReturnLineFact("SOCK-1", "", 1),))

    added = r.order_metrics(fact, [ret], today=AT.date(), cross=True)

    assert added == {
        "units": 1, "known_customer_orders": 1, "cross_channel_orders": 1, "returned_orders": 1,
        "units_returned:unspecified": 1, "redeeming_orders": 1, "redeemed": 2000,
        f"cycle:placed_to_ready:SCL:{r.cycle_bucket(30)}": 1, f"cycle:ready_to_picked_up:SCL:{r.cycle_bucket(60)}": 1,
        "on_time_due:SCL": 1, "on_time_kept:SCL": 1,
    }


def test_an_undone_promise_is_due_only_once_its_day_has_passed_and_waits_until_then():
    fact = order("ord_1", fulfillments=[_pickup(ready=None, promised=AT + dt.timedelta(days=2))])
    promised = (AT + dt.timedelta(days=2)).date()

    assert "on_time_due:SCL" not in r.order_metrics(fact, [], today=promised, cross=False)
    assert r.pending_promise(fact, promised) == promised
    assert r.order_metrics(fact, [], today=promised + dt.timedelta(days=1), cross=False)["on_time_due:SCL"] == 1
    assert r.pending_promise(fact, promised + dt.timedelta(days=1)) is None


def test_loyalty_redemption_off_the_cells_is_raw_s_off_the_facts():
    facts = [
        order("ord_1", payments=[PaymentFact("points", "captured", Decimal(2000)),
                                 PaymentFact("card", "captured", Decimal(8000))]),
        order("ord_2", payments=[PaymentFact("gift_card", "pending", Decimal(10000))]),
        order("ord_3", channel="pos", payments=[PaymentFact("stored_value", "captured", Decimal(500))]),
        order("ord_4", channel="pos", payments=[PaymentFact("cash", "captured", Decimal(10000))]),
    ]
    cells: dict[str, dict[str, Decimal]] = {}
    for fact in facts:
        cell = cells.setdefault(fact.channel, {"orders": Decimal(0)})
        cell["orders"] += 1
        for metric, value in r.order_metrics(fact, [], today=AT.date(), cross=False).items():
            cell[metric] = cell.get(metric, Decimal(0)) + value

    assert order_kpis.loyalty_redemption(cells, money) == raw.loyalty_redemption(facts, money)


def test_on_time_and_cycle_times_off_the_cells_keep_the_fulfilment_s_location():
    period = Filters(start=AT, end=AT + dt.timedelta(days=1), locations=frozenset({"VAP"}))
    m = {f"cycle:placed_to_ready:SCL:{r.cycle_bucket(30)}": Decimal(1), "on_time_due:SCL": Decimal(1),
         f"cycle:placed_to_ready:VAP:{r.cycle_bucket(30)}": Decimal(2), "on_time_due:VAP": Decimal(2),
         "on_time_kept:VAP": Decimal(1)}

    assert list(order_kpis.cycle_times(m, period)) == ["VAP"]
    assert order_kpis.cycle_times(m, period)["VAP"]["placed_to_ready"]["count"] == 2
    assert order_kpis.on_time_rate(m, period) == 0.5

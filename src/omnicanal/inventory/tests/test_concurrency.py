"""Promise 1: a stock unit is never sold twice, under many concurrent reservations."""

import threading

import pytest
from django.db import transaction
from django.db.models import Sum

from omnicanal.core.testing import run_in_processes
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import LineState, ReservationLine, StockLevel, StockMovement

from .conftest import make_catalog

SPLIT = {"C1": 40, "C2": 35, "C3": 25}  # 100 units of one SKU across three locations


@transaction.atomic
def stock_100_units():
    make_catalog(skus=("HOT-1",))
    for code, units in SPLIT.items():
        location = services.do_create_location(code=code, name=code, kind="warehouse", capabilities=["ship"])
        services.do_receive_stock(location=location, lines=[("HOT-1", units)], reference="initial")


def assert_ledger_holds():
    for row in StockLevel.objects.select_related("location", "variant"):
        assert 0 <= row.reserved <= row.on_hand
        assert row.on_hand == queries.ledger_balance(location=row.location.code, sku=row.variant.sku)
        held = ReservationLine.objects.filter(stock=row, state=LineState.HELD).aggregate(n=Sum("quantity"))["n"] or 0
        assert row.reserved == held


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_processes_x_50_reservations_hold_exactly_the_100_units_on_postgresql():
    # given 100 units of one SKU across three locations
    stock_100_units()
    # when 8 processes each try 50 single-unit reservations at the same instant
    outcomes = run_in_processes(
        "omnicanal.inventory.tests.workers:reserve_many", [(w, 50, "HOT-1", list(SPLIT)) for w in range(8)]
    )
    # then exactly 100 were held and 300 refused: none oversold, at any location
    assert sum(o["held"] for o in outcomes) == 100
    assert sum(o["short"] for o in outcomes) == 300
    assert StockLevel.objects.aggregate(r=Sum("reserved"))["r"] == 100
    assert dict(StockLevel.objects.values_list("location__code", "reserved")) == SPLIT
    # and the ledger still explains every unit
    assert_ledger_holds()


@pytest.mark.django_db(transaction=True)
def test_8_threads_x_50_reservations_with_commits_never_oversell():
    # given 100 units across three locations (SQLite: write transactions queue on BEGIN IMMEDIATE)
    stock_100_units()
    results = []

    def run(worker):
        from .workers import reserve_many

        results.append(reserve_many(worker, 50, "HOT-1", list(SPLIT), commit_every=3))

    # when 8 threads reserve at once, committing every third success as a fulfilment
    threads = [threading.Thread(target=run, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # then held + sold is exactly the 100 units, and what was sold left the ledger as sales
    assert len(results) == 8
    held = sum(r["held"] for r in results)
    assert held == 100
    sold = -(StockMovement.objects.filter(kind="sale").aggregate(n=Sum("quantity"))["n"] or 0)
    assert sold == sum(r["committed"] for r in results) > 0
    totals = StockLevel.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    assert totals["on_hand"] == 100 - sold and totals["reserved"] == 100 - sold
    assert_ledger_holds()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_processes_reserving_with_the_commit_hold_exactly_the_units_and_refusals_keep_nothing():
    # given 30 units of a hot SKU and plenty of a cold one at one location
    with transaction.atomic():
        make_catalog(skus=("HOT-1", "COLD-1"))
        location = services.do_create_location(code="C1", name="C1", kind="warehouse", capabilities=["ship"])
        services.do_receive_stock(location=location, lines=[("HOT-1", 30), ("COLD-1", 1000)], reference="initial")
    # when 8 processes each run 20 transactions whose hot reservation rides with the COMMIT
    outcomes = run_in_processes(
        "omnicanal.inventory.tests.workers:reserve_many_at_commit", [(w, 20, "HOT-1", "C1", "COLD-1") for w in range(8)]
    )
    # then exactly the 30 were held, never more, and a refused transaction kept none of its cold unit
    assert sum(o["held"] for o in outcomes) == 30
    assert sum(o["short"] for o in outcomes) == 130
    reserved = dict(StockLevel.objects.values_list("variant__sku", "reserved"))
    assert reserved["HOT-1"] == 30
    held = {sku: set(ReservationLine.objects.filter(stock__variant__sku=sku).values_list("reservation__reference",
                                                                                       flat=True))
            for sku in ("HOT-1", "COLD-1")}
    assert held["COLD-1"] == {"c" + ref[1:] for ref in held["HOT-1"] if int(ref.split("-")[1]) % 2}
    assert reserved["COLD-1"] == len(held["COLD-1"])
    assert_ledger_holds()

"""do_reserve(at_commit=True) inside any outermost atomic() on PostgreSQL: the one-row reservation is
sent WITH the COMMIT, in one round trip (core.laststep.ride, sql/reserve_row_at_commit.sql). A
shortage then fails the COMMIT like a deferred constraint: atomic() raises InsufficientStock naming
the lines, nothing of the transaction is kept, its on_commit callbacks never run."""

import threading
import time

import psycopg
import pytest
from django.db import connection, connections, transaction

from omnicanal.core import libpq
from omnicanal.core.errors import Conflict, InsufficientStock
from omnicanal.core.models import OutboxEvent
from omnicanal.inventory import locks, services
from omnicanal.inventory.models import Reservation, ReservationLine, StockLevel
from omnicanal.inventory.services import ReserveLine

from .conftest import make_catalog, make_locations, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDLE = psycopg.pq.TransactionStatus.IDLE


@pytest.fixture
def shop():
    with transaction.atomic():
        make_catalog()
        made = make_locations()
        receive(made["WH"], **{"SHOE-40": 2, "SHOE-41": 5})
        receive(made["SCL"], **{"SHOE-40": 3})
    return made


def level(location, sku):
    row = StockLevel.objects.get(location__code=location, variant__sku=sku)
    return row.on_hand, row.reserved


def at_commit(ref, sku, quantity, **kw):
    return services.do_reserve(reference=ref, channel="web", lines=[ReserveLine(sku, quantity, **kw)],
                               expires_in=None, at_commit=True, **({} if "location" in kw else {"locations": ["WH"]}))


@pytest.fixture
def sent(monkeypatch):
    """What went to the server through libpq: each pipeline's command count, each one-off call."""
    calls: list = []
    real = libpq._synced
    monkeypatch.setattr(libpq, "_synced", lambda pgconn, commands: calls.append(commands) or real(pgconn, commands))
    return calls


def test_the_reservation_rides_with_the_commit_and_is_written_with_its_event(shop, sent):
    connection.close_if_health_check_failed()
    ran = []
    with transaction.atomic():
        info = at_commit("ord_1", "SHOE-40", 2)
        assert not Reservation.objects.filter(reference="ord_1").exists()  # not sent yet
        transaction.on_commit(lambda: ran.append("hook"))
    assert sent and sent[-1] in (2, 3)  # BEGIN was sent by the read above: the call (its PREPARE) and COMMIT
    made = Reservation.objects.get(reference="ord_1")
    assert made.public_id == info.id and made.status == "active"
    assert list(ReservationLine.objects.filter(reservation=made).values_list("stock__location__code", "quantity",
                                                                             "state")) == [("WH", 2, "held")]
    assert level("WH", "SHOE-40") == (2, 2)
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 1
    assert ran == ["hook"]


def test_alone_in_the_transaction_it_is_one_round_trip_without_begin_or_commit(shop, sent):
    connection.close_if_health_check_failed()
    for ref in ("ord_1", "ord_2"):
        with transaction.atomic():
            at_commit(ref, "SHOE-41", 1)
    assert sent[-1] == 1  # prepared by the first: the call alone, the pipeline's Sync commits it
    assert level("WH", "SHOE-41") == (5, 2)


def test_a_shortage_fails_the_commit_with_a_409_naming_the_lines_and_nothing_is_kept(shop):
    ran = []
    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        services.do_reserve(reference="ord_0", channel="web", lines=[ReserveLine("SHOE-41", 1)], locations=["WH"])
        at_commit("ord_1", "SHOE-40", 3)
        transaction.on_commit(lambda: ran.append("hook"))
    assert refused.value.extra["lines"] == [{"sku": "SHOE-40", "location": None, "requested": 3, "available": 2}]
    assert ran == [] and connection.run_on_commit == []
    assert level("WH", "SHOE-40") == (2, 0) and level("WH", "SHOE-41") == (5, 0)
    assert not Reservation.objects.exists() and not OutboxEvent.objects.filter(
        topic="inventory.StockReserved").exists()
    # the connection is as after any rolled-back transaction, and works
    assert connection.get_autocommit() and connection.connection.pgconn.transaction_status == IDLE
    with transaction.atomic():
        at_commit("ord_2", "SHOE-40", 2)
    assert level("WH", "SHOE-40") == (2, 2)


def test_a_pinned_line_names_its_location_and_the_channel_s_safety_stock_is_kept(shop):
    # SCL keeps one unit back for walk-ins (web's safety stock there): 2 of its 3 can be promised
    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        at_commit("ord_1", "SHOE-40", 3, location="SCL")
    assert refused.value.extra["lines"] == [{"sku": "SHOE-40", "location": "SCL", "requested": 3, "available": 2}]
    with transaction.atomic():
        at_commit("ord_2", "SHOE-40", 2, location="SCL")
    assert level("SCL", "SHOE-40") == (3, 2)


def test_no_stock_row_there_is_a_shortage_of_everything(shop):
    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        at_commit("ord_1", "SHOE-42", 1)
    assert refused.value.extra["lines"][0]["available"] == 0


def test_a_reference_already_held_is_a_conflict_and_nothing_is_kept(shop):
    with transaction.atomic():
        at_commit("ord_1", "SHOE-41", 1)
    with pytest.raises(Conflict) as refused, transaction.atomic():
        services.do_reserve(reference="ord_0", channel="web", lines=[ReserveLine("SHOE-40", 1)], locations=["WH"])
        at_commit("ord_1", "SHOE-41", 1)
    assert not isinstance(refused.value, InsufficientStock)
    assert level("WH", "SHOE-41") == (5, 1) and level("WH", "SHOE-40") == (2, 0)
    assert Reservation.objects.count() == 1 and OutboxEvent.objects.filter(
        topic="inventory.StockReserved").count() == 1


def test_a_reservation_riding_with_the_commit_can_be_committed_in_the_same_transaction(shop):
    with transaction.atomic():
        at_commit("ord_1", "SHOE-40", 2)
        services.do_commit(reference="ord_1")  # written first (laststep.flush), then sold
    assert level("WH", "SHOE-40") == (0, 0)
    assert Reservation.objects.get(reference="ord_1").status == "committed"
    assert OutboxEvent.objects.filter(topic="inventory.StockReserved").count() == 1


def test_in_a_savepoint_it_is_written_at_once_and_dropped_with_a_rollback(shop):
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            at_commit("ord_1", "SHOE-40", 1)
            raise RuntimeError
        with transaction.atomic():  # a released savepoint keeps its own
            at_commit("ord_2", "SHOE-41", 1)
    assert list(Reservation.objects.values_list("reference", flat=True)) == ["ord_2"]
    assert level("WH", "SHOE-40") == (2, 0) and level("WH", "SHOE-41") == (5, 1)


def test_a_plan_with_several_places_keeps_today_s_path(shop, monkeypatch):
    rides = []
    real = locks.reserve_with_commit
    monkeypatch.setattr(locks, "reserve_with_commit", lambda **kw: rides.append(kw) or real(**kw))
    with transaction.atomic():
        services.do_reserve(reference="ord_1", channel="web", lines=[ReserveLine("SHOE-40", 3)],
                            locations=["WH", "SCL"], at_commit=True)
        assert Reservation.objects.filter(reference="ord_1").exists()  # written at once: no API scope here
    assert rides == [] and level("WH", "SHOE-40") == (2, 2) and level("SCL", "SHOE-40") == (3, 1)


def test_stock_taken_while_it_queued_fails_the_commit_and_nothing_is_kept(shop):
    """The call read two free units, then queued on the row behind a rival that takes one of them and
    commits: its UPDATE finds the row short, the function raises, the COMMIT never happens."""
    stock_id = StockLevel.objects.get(location__code="WH", variant__sku="SHOE-40").pk
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("prepare_threshold", None)
    rival = psycopg.connect(**dsn)
    rival.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(locks.queue_key(stock_id)))
    result: dict = {}

    def buyer():
        try:
            with transaction.atomic():
                services.do_reserve(reference="ord_0", channel="web", lines=[ReserveLine("SHOE-41", 1)],
                                    locations=["WH"])
                at_commit("ord_late", "SHOE-40", 2)
            result["made"] = True
        except InsufficientStock as refused:
            result["refused"] = refused
        finally:
            connections.close_all()

    thread = threading.Thread(target=buyer)
    thread.start()
    time.sleep(0.5)  # the buyer's call waits on the queue
    rival.execute("UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s", [stock_id])
    rival.commit()
    rival.close()
    thread.join(timeout=30)
    assert result["refused"].extra["lines"][0]["available"] == 1
    assert level("WH", "SHOE-40") == (2, 1) and level("WH", "SHOE-41") == (5, 0)
    assert not Reservation.objects.exists()

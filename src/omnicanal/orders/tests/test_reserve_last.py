"""PostgreSQL: an order placed through the API reserves its stock as the transaction's very last
statement (core.laststep), after the answer and its idempotency record are ready; stock taken by
another buyer in between makes that order's answer the 409 and leaves nothing of it behind.

The moment is observed in the database (a trigger on the reservation's INSERT), not by patching
inventory's internals."""

import pytest
from django.db import connection

from omnicanal.core import claims
from omnicanal.core.models import IdempotencyRecord
from omnicanal.inventory.models import Reservation, StockLevel
from omnicanal.orders.models import Order
from omnicanal.orders.tests.test_concurrency import flash_stock
from omnicanal.orders.tests.workers import ORDER

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def buyer(api):
    return api.as_({"HTTP_AUTHORIZATION": flash_stock(1)})


def _watch(*, take_the_stock: bool = False) -> None:
    """When a reservation row is inserted, note whether the request's answer was already stored for
    replay; with `take_the_stock`, another buyer takes every unit at that moment."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_seen (completed boolean[])")
        cursor.execute(f"""
            CREATE FUNCTION test_watch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO test_seen SELECT array_agg(completed) FROM core_idempotencyrecord;
                {"UPDATE inventory_stocklevel SET reserved = on_hand;" if take_the_stock else ""}
                RETURN NEW;
            END $$""")
        cursor.execute("CREATE TRIGGER test_watch BEFORE INSERT ON inventory_reservation "
                       "FOR EACH ROW EXECUTE FUNCTION test_watch()")


def _seen() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT completed FROM test_seen")
        return [row[0] for row in cursor.fetchall()]


def test_the_reservation_runs_after_the_answer_is_stored(buyer):
    _watch()
    response = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-1"})
    assert response.status_code == 201
    assert _seen() == [[True]]  # the answer was stored for replay before the hot row was touched
    assert StockLevel.objects.get().reserved == 1
    assert Reservation.objects.get().reference == response.json()["id"]


def test_stock_gone_by_the_last_statement_makes_the_answer_409_and_nothing_remains(buyer):
    _watch(take_the_stock=True)
    response = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/insufficient-stock"
    # nothing of the request remains (the other buyer's write rode in the same transaction: gone too)
    assert _seen() == []
    assert Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert StockLevel.objects.get().reserved == 0
    # and the retry is answered the 409 again, running nothing
    again = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert again.json() == response.json() and Order.objects.count() == 0


def test_a_buyer_refused_once_sold_out_gets_the_same_answer_again_and_holds_no_lock(buyer):
    # given the one unit sold
    assert buyer.post("/orders", ORDER, headers={"Idempotency-Key": "first"}).status_code == 201
    # when the next buyer comes (the flash sale's three buyers in four)
    refused = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "late"})
    # then the answer is the 409 naming the line, nothing of it is written, no claim lock is left
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "/problems/insufficient-stock"
    assert body["lines"] == [{"sku": "FLASH-1", "requested": 1, "available": 0}]
    assert Order.objects.count() == 1 and StockLevel.objects.get().reserved == 1
    record = IdempotencyRecord.objects.get(key="late")
    with connection.cursor() as cursor:  # the claim's lock (core.claims), in this database
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                       [claims.LOCK_CLASS, claims.lock_key(record.pk)])
        assert cursor.fetchone()[0] == 0
    # and its retry is that answer again, byte for byte, without running
    again = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "late"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert again.content == refused.content and Order.objects.count() == 1


@pytest.fixture
def committing_buyer(api, transactional_db):
    """A buyer whose requests' transactions really commit (no test-case transaction around them):
    the order's one-row reservation then rides with the request's COMMIT (core.laststep.ride)."""
    buyer = api.as_({"HTTP_AUTHORIZATION": flash_stock(1)})
    yield buyer
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_watch ON inventory_reservation")
        cursor.execute("DROP FUNCTION IF EXISTS test_watch()")
        cursor.execute("DROP TABLE IF EXISTS test_seen")


def test_in_a_committing_request_the_reservation_rides_with_the_commit(committing_buyer, monkeypatch):
    from omnicanal.core import libpq

    rides = []
    real = libpq.commit_with
    monkeypatch.setattr(libpq, "commit_with", lambda conn, statements, then=(): rides.append(
        ([s.name for s, _ in statements], [s.name for s, _ in then])) or real(conn, statements, then))
    _watch()
    response = committing_buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-1"})
    assert response.status_code == 201
    # OrderPlaced and the answer stored for replay, then the reservation, went with the COMMIT; the
    # claim's release right after it: one round trip
    [(with_commit, after_commit)] = rides
    assert with_commit == [b"omnicanal_outbox_with_commit", b"omnicanal_idem_complete",
                           b"omnicanal_reserve_row_at_commit"]
    assert after_commit == [b"omnicanal_claim_release"]
    # and the outbox holds the order's events in the order they happened
    from omnicanal.core.models import OutboxEvent

    order_id = response.json()["id"]
    mine = [topic for topic, payload in OutboxEvent.objects.order_by("pk").values_list("topic", "payload")
            if order_id in (payload.get("order_id"), payload.get("reference"))]
    assert mine == ["orders.OrderPlaced", "inventory.StockReserved"]
    assert _seen() == [[True]]  # after the answer was stored for replay
    assert StockLevel.objects.get().reserved == 1
    assert Reservation.objects.get().reference == response.json()["id"]


def test_in_a_committing_request_stock_gone_at_the_commit_is_the_409_and_nothing_remains(committing_buyer):
    _watch(take_the_stock=True)
    response = committing_buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "/problems/insufficient-stock"
    assert [(line["sku"], line["requested"], line["available"]) for line in body["lines"]] == [("FLASH-1", 1, 0)]
    assert _seen() == [] and Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert StockLevel.objects.get().reserved == 0
    again = committing_buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert again.json() == body and Order.objects.count() == 0

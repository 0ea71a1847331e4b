"""PostgreSQL: an order placed through the API reserves its stock as the transaction's very last
statement (core.laststep), after the answer and its idempotency record are ready; stock taken by
another buyer in between makes that order's answer the 409 and leaves nothing of it behind."""

import pytest
from django.db import connection

from omnicanal.core.models import IdempotencyRecord
from omnicanal.inventory import locks
from omnicanal.inventory.models import Reservation, StockLevel
from omnicanal.orders.models import Order
from omnicanal.orders.tests.test_concurrency import flash_stock
from omnicanal.orders.tests.workers import ORDER

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def buyer(api):
    return api.as_({"HTTP_AUTHORIZATION": flash_stock(1)})


def _spy(monkeypatch, before=None):
    """Record, when the one-call reservation runs, whether the order's answer was already stored."""
    seen = []
    real = locks.reserve_at_once

    def spy(**kwargs):
        seen.append(list(IdempotencyRecord.objects.values_list("completed", flat=True)))
        if before:
            before()
        return real(**kwargs)

    monkeypatch.setattr(locks, "reserve_at_once", spy)
    return seen


def test_the_reservation_runs_after_the_answer_is_stored(buyer, monkeypatch):
    seen = _spy(monkeypatch)
    response = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-1"})
    assert response.status_code == 201
    assert seen == [[True]]  # the answer was stored for replay before the hot row was touched
    row = StockLevel.objects.get()
    assert row.reserved == 1
    assert Reservation.objects.get().reference == response.json()["id"]


def test_stock_gone_by_the_last_statement_makes_the_answer_409_and_nothing_remains(buyer, monkeypatch):
    def another_buyer_takes_it():
        # the last unit goes to someone else between the order's plan and its reservation
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_stocklevel SET reserved = on_hand")

    seen = _spy(monkeypatch, before=another_buyer_takes_it)
    response = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/insufficient-stock"
    assert seen == [[True]]
    # nothing of the request remains (the other buyer's write was in the same transaction: gone too)
    assert Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert StockLevel.objects.get().reserved == 0
    # and the retry is answered the 409 again without running anything
    again = buyer.post("/orders", ORDER, headers={"Idempotency-Key": "buyer-2"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert len(seen) == 1 and Order.objects.count() == 0


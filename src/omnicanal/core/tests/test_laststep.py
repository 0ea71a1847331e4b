"""The API transaction's last statement (core.laststep): a deferred hot write runs after the answer and
its idempotency record are ready; its refusal becomes the answer and rolls the whole request back."""

import pytest
from django.db import transaction

from omnicanal.core import laststep
from omnicanal.core.models import AuditEntry
from omnicanal.core.tests import testapi

pytestmark = pytest.mark.urls("omnicanal.core.tests.testapi")


def entries(action: str, name: str) -> int:
    return AuditEntry.objects.filter(action=action, target_id=name).count()


@pytest.fixture(autouse=True)
def _forget():
    testapi.seen.clear()


@pytest.mark.django_db(transaction=True)
def test_outside_an_api_request_nothing_is_deferred():
    ran = []
    with transaction.atomic():
        assert laststep.defer(lambda: ran.append(1)) is False
    with laststep.scope():
        assert laststep.defer(lambda: ran.append(2)) is False  # autocommit: no transaction to end
    assert ran == []


@pytest.mark.django_db
def test_the_deferred_write_runs_after_the_answer_is_stored_for_replay(api):
    response = api.post("/v1/things/last", {"name": "tent", "quantity": 2}, headers={"Idempotency-Key": "l-1"})
    assert response.status_code == 201
    # the hot write ran last: the idempotency record already held the answer
    assert testapi.seen["completed"] == [True]
    assert entries("thing.make", "tent") == entries("thing.hot", "tent") == 1
    again = api.post("/v1/things/last", {"name": "tent", "quantity": 2}, headers={"Idempotency-Key": "l-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert entries("thing.hot", "tent") == 1


@pytest.mark.django_db
def test_a_refusal_of_the_deferred_write_is_the_answer_and_nothing_remains(api):
    response = api.post("/v1/things/last", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "l-2"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("insufficient-stock") and body["lines"] == [{"sku": "gel", "available": 5}]
    assert entries("thing.make", "gel") == 0  # the view's own write rolled back with it
    # and a retry replays the refusal, running nothing again
    testapi.seen.clear()
    again = api.post("/v1/things/last", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "l-2"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert again.json() == body and testapi.seen == {}


@pytest.mark.django_db
def test_without_an_idempotency_key_the_refusal_rolls_back_too(api):
    response = api.post("/v1/things/last", {"name": "mat", "quantity": 7})
    assert response.status_code == 409
    assert entries("thing.make", "mat") == 0


@pytest.mark.django_db
def test_a_write_deferred_in_a_rolled_back_savepoint_never_runs(api):
    response = api.post("/v1/things/last", {"name": "cup", "quantity": 9}, headers={"X-Test-Dropped": "1"})
    assert response.status_code == 201
    assert testapi.seen == {} and entries("thing.hot", "cup") == 0 and entries("thing.make", "cup") == 1

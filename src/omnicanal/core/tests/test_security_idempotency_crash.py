"""An Idempotency-Key whose request died with its process is released at once; a live one is not.

Both databases: PostgreSQL tells a dead owner by its session advisory lock, SQLite by its pid.
"""

import json
import time

import pytest
from django.test import Client

from omnicanal.core.models import AuditEntry, IdempotencyRecord, OutboxEvent
from omnicanal.core.testing import start_process

pytestmark = pytest.mark.urls("omnicanal.core.tests.testapi")

BODY = json.dumps({"name": "stove", "quantity": 1})
PATH = "/api/v1/things"


def made() -> int:
    return AuditEntry.objects.filter(action="thing.make", target_id="stove").count()


def slow_request(auth_header: str, key: str) -> None:
    """In a child process: the same request as the retry, stuck in its handler (sleeping) until killed."""
    from django.test import override_settings

    with override_settings(ROOT_URLCONF="omnicanal.core.tests.testapi"):
        Client().post(PATH, BODY, content_type="application/json", HTTP_AUTHORIZATION=auth_header,
                      HTTP_IDEMPOTENCY_KEY=key, HTTP_X_TEST_SLOW="600")


def claim_and_wait(auth_header: str, key: str) -> None:
    """In a child process: claim the key exactly as the middleware does for this request, then stay
    alive without finishing it (and without holding a database transaction open)."""
    from django.test import RequestFactory

    from omnicanal.core.middleware import ApiTransactionMiddleware

    request = RequestFactory().post(PATH, BODY, content_type="application/json", HTTP_AUTHORIZATION=auth_header)
    ApiTransactionMiddleware(lambda r: None)._claim(request, key)
    time.sleep(600)


def wait_for_claim(key: str, process) -> None:
    deadline = time.monotonic() + 120
    while not IdempotencyRecord.objects.filter(key=key).exists():
        assert process.is_alive(), "the child process ended before claiming the key"
        assert time.monotonic() < deadline, "the child process never claimed the key"
        time.sleep(0.1)


def kill(process) -> None:
    process.kill()
    process.join(timeout=30)


def retry(auth_header: str, key: str):
    return Client().post(PATH, BODY, content_type="application/json", HTTP_AUTHORIZATION=auth_header,
                         HTTP_IDEMPOTENCY_KEY=key)


def retry_until_not_in_progress(auth_header: str, key: str, attempts: int = 50):
    """PostgreSQL drops a dead client's session (and its locks) as soon as it sees the socket close,
    which may take a moment after the kill; the retry is repeated as a client would on 409."""
    for _ in range(attempts):
        response = retry(auth_header, key)
        if response.status_code != 409:
            return response
        time.sleep(0.1)
    return response


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_the_first_requests_process_was_killed_mid_request_proceeds(issue_key):
    # given a request with an Idempotency-Key whose process is killed while its handler runs
    auth = issue_key("admin")["HTTP_AUTHORIZATION"]
    process = start_process("omnicanal.core.tests.test_security_idempotency_crash:slow_request", (auth, "crash-1"))
    try:
        wait_for_claim("crash-1", process)
    finally:
        kill(process)
    # when the client retries at once
    response = retry_until_not_in_progress(auth, "crash-1")
    # then the retry runs (no 409 for a minute), once: the dead request's effects were rolled back
    assert response.status_code == 201, response.content
    assert made() == 1
    assert OutboxEvent.objects.filter(topic__endswith="ThingMade").count() == 1
    # and its answer is the one replayed from now on
    again = retry(auth, "crash-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert made() == 1


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_owner_is_alive_waits_and_proceeds_once_the_owner_died(issue_key):
    # given a process that claimed the key and is still running
    auth = issue_key("admin")["HTTP_AUTHORIZATION"]
    process = start_process("omnicanal.core.tests.test_security_idempotency_crash:claim_and_wait", (auth, "live-1"))
    try:
        wait_for_claim("live-1", process)
        # when a retry arrives while it lives
        response = retry(auth, "live-1")
        # then it is told the request is in progress, and nothing ran
        assert response.status_code == 409, response.content
        assert response.json()["type"] == "/problems/request-in-progress"
        assert made() == 0
    finally:
        kill(process)
    # and once the owner is gone, the next retry runs
    response = retry_until_not_in_progress(auth, "live-1")
    assert response.status_code == 201, response.content
    assert made() == 1

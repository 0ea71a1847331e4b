import pytest

from omnicanal.core.models import AuditEntry, IdempotencyRecord
from omnicanal.core.testing import run_in_processes

pytestmark = pytest.mark.urls("omnicanal.core.tests.testapi")

THING = {"name": "tent", "quantity": 2}


def made(name="tent"):
    return AuditEntry.objects.filter(action="thing.make", target_id=name).count()


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_answer_and_runs_nothing_twice(api):
    first = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-1"})
    again = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert made() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api):
    api.post("/v1/things", THING, headers={"Idempotency-Key": "k-2"})
    response = api.post("/v1/things", {**THING, "quantity": 3}, headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-conflict")
    assert made() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_credential(api, issue_key):
    other = api.as_(issue_key("admin", name="other"))
    api.post("/v1/things", THING, headers={"Idempotency-Key": "shared"})
    assert other.post("/v1/things", THING, headers={"Idempotency-Key": "shared"}).status_code == 201
    assert made() == 2


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too_and_nothing_is_written(api):
    first = api.post("/v1/things/half", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "k-3"})
    again = api.post("/v1/things/half", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "k-3"})
    assert first.status_code == again.status_code == 409
    assert again["Idempotent-Replayed"] == "true"
    assert made("gel") == 0


@pytest.mark.django_db
def test_a_server_error_is_not_stored_so_a_retry_runs_again(api):
    api.post("/v1/things/crash", THING, headers={"Idempotency-Key": "k-4"})
    assert not IdempotencyRecord.objects.filter(key="k-4").exists()


@pytest.mark.django_db
def test_an_expired_key_runs_again(api):
    from datetime import timedelta

    from omnicanal.core import clock

    api.post("/v1/things", THING, headers={"Idempotency-Key": "k-5"})
    with clock.frozen(clock.now() + timedelta(hours=25)):
        assert api.post("/v1/things", THING, headers={"Idempotency-Key": "k-5"}).status_code == 201
    assert made() == 2


def post_with_key(auth_header: str, key: str, slow: str) -> tuple[int, dict]:
    from django.test import Client, override_settings

    with override_settings(ROOT_URLCONF="omnicanal.core.tests.testapi"):
        response = Client().post(
            f"/api/v1/things?slow={slow}", THING, content_type="application/json",
            HTTP_AUTHORIZATION=auth_header, HTTP_IDEMPOTENCY_KEY=key,
        )
    return response.status_code, response.json()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_in_several_processes_have_one_effect(issue_key):
    # given one credential and one key, sent by 6 processes at the same instant
    auth = issue_key("admin")["HTTP_AUTHORIZATION"]
    results = run_in_processes(
        "omnicanal.core.tests.test_idempotency:post_with_key", [(auth, "dup-1", "0.3")] * 6
    )
    # then exactly one request ran; the others were told to retry, or were given its answer
    statuses = sorted(status for status, _ in results)
    assert made() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert all(body["type"].endswith("request-in-progress") for status, body in results if status == 409)
    # and a retry after it finished replays the one answer
    status, body = post_with_key(auth, "dup-1", "0.3")
    assert status == 201 and body["entries"] == 1 and made() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_fresh_key_is_claimed_in_one_statement_that_also_takes_its_lock(api, monkeypatch):
    # given a key never seen, sent outside any transaction (as a server runs requests)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omnicanal.core import middleware

    claims = []  # the claim runs through libpq (core.libpq): watched there
    statement = middleware._CLAIM

    class Spy:
        def run(self, params):
            claims.append(statement.sql.decode())
            return statement.run(params)

    monkeypatch.setattr(middleware, "_CLAIM", Spy())
    # when the request runs
    with CaptureQueriesContext(connection) as sent:
        first = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-fresh"})
    # then the claim was one statement (record and its lock together), with no claim transaction
    claims += [q["sql"] for q in sent.captured_queries if "core_idempotencyrecord" in q["sql"]
               and "INSERT" in q["sql"].upper()]
    assert len(claims) == 1 and "pg_try_advisory_lock" in claims[0]
    assert not [q["sql"] for q in sent.captured_queries if "FOR UPDATE" in q["sql"].upper()
                and "core_idempotencyrecord" in q["sql"]]
    # and the key works as ever: a retry replays the first answer, the request ran once
    again = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-fresh"})
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert made() == 1


def _claim_locks(record_id: int) -> int:
    """Advisory locks held on this record's claim, in this database (pg_locks spans the server)."""
    from django.db import connection

    from omnicanal.core import claims

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                       [claims.LOCK_CLASS, claims.lock_key(record_id)])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_stored_and_its_claim_released_in_one_statement(api, monkeypatch):
    # given a key never seen, and a request that is refused (409 after writing: rolled back)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omnicanal.core import middleware

    sent_by_libpq = []

    class Spy:
        def __init__(self, statement):
            self.statement = statement

        def run(self, params):
            sent_by_libpq.append(self.statement.sql.decode())
            return self.statement.run(params)

    for name in ("_CLAIM", "_STORE_AND_UNLOCK", "_DROP_AND_UNLOCK", "_COMPLETE"):
        monkeypatch.setattr(middleware, name, Spy(getattr(middleware, name)))
    with CaptureQueriesContext(connection) as sent:
        first = api.post("/v1/things/half", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "k-ref"})
    # then the answer was stored and the claim's lock released by one statement, no transaction of its own
    assert first.status_code == 409
    assert not [q["sql"] for q in sent.captured_queries if "core_idempotencyrecord" in q["sql"] or "advisory" in q["sql"]]
    assert len(sent_by_libpq) == 2 and "pg_try_advisory_lock" in sent_by_libpq[0]  # the claim
    assert "UPDATE" in sent_by_libpq[1] and "pg_advisory_unlock" in sent_by_libpq[1]  # the refusal's one statement
    record = IdempotencyRecord.objects.get(key="k-ref")
    assert record.completed and record.response_status == 409 and _claim_locks(record.pk) == 0
    # and a retry replays exactly that answer, running nothing
    again = api.post("/v1/things/half", {"name": "gel", "quantity": 9}, headers={"Idempotency-Key": "k-ref"})
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Content-Type"] == first["Content-Type"]
    assert made("gel") == 0 and _claim_locks(record.pk) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_answer_and_the_claims_release_go_with_the_commit_not_in_round_trips_of_their_own(api, monkeypatch):
    from omnicanal.core import libpq

    run_alone, with_commit = [], []
    real_run, real_commit = libpq.HotStatement.run_values, libpq.commit_with

    def run_values(self, values, db=None):
        run_alone.append(self.name)
        return real_run(self, values, db)

    def commit_with(conn, statements, then=()):
        with_commit.append(([statement.name for statement, _values in statements],
                            [statement.name for statement, _values in then]))
        return real_commit(conn, statements, then)

    monkeypatch.setattr(libpq.HotStatement, "run_values", run_values)
    monkeypatch.setattr(libpq, "commit_with", commit_with)
    # when a keyed write succeeds
    first = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-ride"})
    # then its answer went with the request's COMMIT and the claim's release right after it, in the
    # same round trip
    assert first.status_code == 201
    assert b"omnicanal_idem_complete" not in run_alone and b"omnicanal_claim_release" not in run_alone
    assert ([b"omnicanal_idem_complete"], [b"omnicanal_claim_release"]) in with_commit
    record = IdempotencyRecord.objects.get(key="k-ride")
    assert record.completed and record.response_status == 201 and _claim_locks(record.pk) == 0
    # and a retry replays exactly that answer, running nothing
    again = api.post("/v1/things", THING, headers={"Idempotency-Key": "k-ride"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and made() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_server_error_drops_its_claim_and_releases_the_lock_at_once(api, monkeypatch):
    from omnicanal.core import middleware

    dropped = []
    statement = middleware._DROP_AND_UNLOCK

    class Spy:
        def run(self, params):
            dropped.append(params["id"])
            return statement.run(params)

    monkeypatch.setattr(middleware, "_DROP_AND_UNLOCK", Spy())
    # when a keyed request fails with a 5xx
    api.post("/v1/things/crash", THING, headers={"Idempotency-Key": "k-crash"})
    # then its claim was dropped with its lock in one statement: nothing stored, no lock left behind
    assert len(dropped) == 1
    assert not IdempotencyRecord.objects.filter(key="k-crash").exists()
    assert _claim_locks(dropped[0]) == 0

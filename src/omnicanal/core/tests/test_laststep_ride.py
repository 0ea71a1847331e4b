"""core.laststep.ride: a statement sent WITH the COMMIT of any outermost atomic() on PostgreSQL, in one
round trip (core.libpq.commit_with through core.postgresql's commit()). Its refusal fails the COMMIT
like a deferred constraint: nothing of the transaction is kept, no on_commit callback runs, atomic()
raises the rider's Problem and the connection is as after any rolled-back transaction."""

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import laststep, libpq
from omnicanal.core.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDLE = psycopg.pq.TransactionStatus.IDLE
_RIDER = libpq.HotStatement("test_ride_insert",
                            "INSERT INTO test_ride_scratch VALUES (%(id)s::int, %(n)s::int) RETURNING id, n")


@pytest.fixture
def scratch():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_ride_scratch (id int PRIMARY KEY, n int CHECK (n > 0), "
                       "other int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_ride_scratch")


def _ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM test_ride_scratch ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _insert(id_: int, other: int | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_ride_scratch (id, n, other) VALUES (%s, 1, %s)", [id_, other])


def _ride(id_: int, n: int, seen: list) -> bool:
    def refusal(error):
        return Conflict(detail=f"refused {id_}") if isinstance(error, psycopg.errors.CheckViolation) else None

    return laststep.ride(_RIDER, [str(id_).encode(), str(n).encode()], refusal=refusal,
                         after=lambda rows: seen.append(("after", rows)), db=connection)


@pytest.fixture
def pipelines(monkeypatch):
    """Each libpq pipeline's commands (how many) and each plain libpq exec (a round trip of its own)."""
    sent: list = []
    real = libpq._synced

    def counted(pgconn, commands):
        sent.append(("pipeline", commands))
        return real(pgconn, commands)

    monkeypatch.setattr(libpq, "_synced", counted)
    return sent


def test_the_ride_commits_with_the_transaction_in_one_round_trip_and_then_its_after_runs(scratch, pipelines):
    connection.close_if_health_check_failed()
    seen: list = []
    with transaction.atomic():
        _insert(1)
        assert _ride(2, 5, seen)
        transaction.on_commit(lambda: seen.append(("hook", connection.connection.pgconn.transaction_status)))
        assert _ids() == [1]  # not yet sent
    # the statement (its PREPARE, the first time) and the COMMIT: one pipeline
    assert pipelines[-1][0] == "pipeline" and pipelines[-1][1] in (2, 3)
    assert seen == [("after", [("2", "5")]), ("hook", IDLE)]
    assert connection.get_autocommit() and connection.connection.pgconn.transaction_status == IDLE
    assert connection.run_on_commit == []
    assert _ids() == [1, 2]


def test_alone_in_its_transaction_the_ride_is_the_whole_transaction_without_begin_or_commit(scratch, pipelines):
    connection.close_if_health_check_failed()
    seen: list = []
    with transaction.atomic():
        _ride(1, 1, seen)
    with transaction.atomic():
        _ride(2, 1, seen)
    assert pipelines[-1] == ("pipeline", 1)  # prepared by the first: the statement alone, its Sync commits
    assert _ids() == [1, 2] and [s[0] for s in seen] == ["after", "after"]


def test_a_refused_ride_fails_the_commit_nothing_is_kept_no_hook_runs_and_the_connection_works(scratch):
    seen: list = []
    for first in (True, False):  # after other statements (explicit BEGIN) and alone (implicit)
        with pytest.raises(Conflict, match="refused 9"), transaction.atomic():
            if first:
                _insert(1)
            _ride(9, 0, seen)  # n > 0 fails
            transaction.on_commit(lambda: seen.append("hook"))
        assert seen == []
        assert connection.get_autocommit() and connection.connection.pgconn.transaction_status == IDLE
        assert connection.run_on_commit == [] and not connection.needs_rollback
        assert _ids() == []
    with transaction.atomic():  # usable, and a later ride works
        _ride(3, 1, seen)
    assert _ids() == [3] and len(seen) == 1


def test_a_refusal_the_rider_does_not_know_is_the_databases_error(scratch):
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(1)
        _ride(1, 1, [])  # duplicate key: not the rider's refusal
    assert _ids() == [] and connection.connection.pgconn.transaction_status == IDLE


def test_a_commit_refused_after_the_ride_raises_djangos_error_and_nothing_stays(scratch):
    seen: list = []
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(1, other=7)
        _insert(2, other=7)  # a deferred constraint: fails at the COMMIT only
        _ride(3, 1, seen)
    assert seen == [] and _ids() == [] and connection.connection.pgconn.transaction_status == IDLE


def test_inside_a_savepoint_nothing_rides_and_a_later_rolled_back_savepoint_keeps_the_ride(scratch):
    seen: list = []
    with transaction.atomic():
        _insert(1)
        assert _ride(2, 1, seen)
        with pytest.raises(RuntimeError), transaction.atomic():
            assert not _ride(3, 1, seen)  # its caller may catch a refusal to undo only this savepoint
            raise RuntimeError
        with transaction.atomic(savepoint=False):
            assert not _ride(4, 1, seen)
    assert _ids() == [1, 2] and len(seen) == 1


def test_flushed_ahead_the_ride_runs_at_once_and_the_commit_does_not_send_it_again(scratch):
    seen: list = []
    with transaction.atomic():
        _ride(1, 1, seen)
        laststep.flush(connection)
        assert _ids() == [1]  # a reader in the same transaction sees it
        laststep.flush(connection)  # once
    assert _ids() == [1] and seen == [("after", [("1", "1")])]
    with pytest.raises(Conflict), transaction.atomic():
        _insert(2)
        _ride(3, 0, seen)
        laststep.flush(connection)  # the refusal raises at the flush
    assert _ids() == [1] and connection.connection.pgconn.transaction_status == IDLE


def test_a_rolled_back_transaction_drops_its_ride(scratch):
    seen: list = []
    with pytest.raises(RuntimeError), transaction.atomic():
        _ride(1, 1, seen)
        raise RuntimeError
    with transaction.atomic():
        _insert(2)
    assert _ids() == [2] and seen == []


def test_with_queries_logged_the_ride_runs_before_djangos_commit_with_the_same_outcomes(scratch):
    seen: list = []
    with CaptureQueriesContext(connection) as logged:
        with transaction.atomic():
            _insert(1)
            _ride(2, 1, seen)
        with pytest.raises(Conflict), transaction.atomic():
            _insert(3)
            _ride(4, 0, seen)
    assert any(q["sql"] == "COMMIT" for q in logged.captured_queries)  # Django's way
    assert _ids() == [1, 2] and len(seen) == 1
    assert connection.get_autocommit() and connection.connection.pgconn.transaction_status == IDLE


def test_outside_a_transaction_or_inside_a_test_case_s_block_nothing_rides(scratch):
    assert not _ride(1, 1, [])
    with transaction.atomic():
        connection.atomic_blocks[0]._from_testcase = True  # as Django's TestCase marks its own
        assert not _ride(1, 1, [])
        assert connection.run_on_commit == []


def test_a_lead_ride_is_sent_before_the_rides_handed_over_earlier(scratch, monkeypatch):
    """The idempotency record's answer rides as a lead: the hot rows' locks, taken by the rides
    handed over during the view, are not held while it runs."""
    order: list = []
    real = libpq.commit_with

    def spied(conn, statements, then=()):
        order.extend(statement.name for statement, _values in statements)
        return real(conn, statements, then)

    monkeypatch.setattr(libpq, "commit_with", spied)
    lead = libpq.HotStatement("test_ride_lead", "INSERT INTO test_ride_scratch VALUES (%(id)s::int, 1) RETURNING id")
    seen: list = []
    with transaction.atomic():
        _insert(1)
        assert _ride(2, 5, seen)
        assert laststep.ride(lead, [b"3"], after=seen.append, db=connection, lead=True)
        assert _ride(4, 5, seen)
    assert order == [b"test_ride_lead", b"test_ride_insert", b"test_ride_insert"]
    assert _ids() == [1, 2, 3, 4]
    # each ride's `after` still runs in the order it was handed over
    assert seen == [("after", [("2", "5")]), [("3",)], ("after", [("4", "5")])]


_LOCKED = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 4242 AND pid = pg_backend_pid()"
_UNLOCK = libpq.HotStatement("test_trailing_unlock", "SELECT pg_advisory_unlock(4242, %(key)s::int), "
                                                     "pg_current_xact_id_if_assigned() IS NULL")


def _locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_LOCKED)
        return cursor.fetchone()[0]


def test_a_trailing_ride_runs_after_the_commit_in_the_same_round_trip(scratch, pipelines):
    connection.close_if_health_check_failed()
    seen: list = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(4242, 7)")
    with transaction.atomic():
        _insert(1)
        assert laststep.ride(_UNLOCK, [b"7"], after=seen.append, db=connection,
                             trailing=True)
        assert _ride(2, 5, seen)
        assert _locks() == 1  # not before the COMMIT
    # the ride, the COMMIT and then the unlock, outside the committed transaction: one pipeline
    assert pipelines[-1][0] == "pipeline"
    assert seen == [[("t", "t")], ("after", [("2", "5")])]  # each `after` in the order handed over
    assert _locks() == 0 and _ids() == [1, 2]


def test_a_trailing_ride_is_dropped_with_a_refused_or_rolled_back_transaction(scratch):
    seen: list = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(4242, 8)")
    with pytest.raises(Conflict, match="refused 9"), transaction.atomic():
        _insert(1)
        laststep.ride(_UNLOCK, [b"8"], after=seen.append, db=connection, trailing=True)
        _ride(9, -1, seen)  # refused at the COMMIT
    with transaction.atomic():
        laststep.ride(_UNLOCK, [b"8"], after=seen.append, db=connection, trailing=True)
        transaction.set_rollback(True)
    assert seen == [] and _locks() == 1 and _ids() == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(4242, 8)")


def test_a_trailing_statement_that_fails_leaves_the_transaction_committed_and_says_so_with_none(scratch):
    failing = libpq.HotStatement("test_trailing_fails", "SELECT 1 / %(zero)s::int")
    seen: list = []
    with transaction.atomic():
        _insert(1)
        laststep.ride(failing, [b"0"], after=seen.append, db=connection, trailing=True)
    assert seen == [None] and _ids() == [1]
    assert connection.connection.pgconn.transaction_status == IDLE
    _insert(2)  # and the connection works
    assert _ids() == [1, 2]


def test_an_event_emitted_with_the_commit_is_written_by_it_and_dispatched_like_emit(monkeypatch):
    from dataclasses import dataclass

    from omnicanal.core import outbox, outbox_commit
    from omnicanal.core.models import OutboxEvent

    @dataclass(frozen=True)
    class RodeAlong:
        n: int

    reacted: list = []
    monkeypatch.setitem(outbox._handlers, outbox.topic_of(RodeAlong), [])
    outbox.handles(RodeAlong)(lambda event: reacted.append((event.payload["n"], OutboxEvent.objects.filter(
        topic=outbox.topic_of(RodeAlong)).count())))
    with transaction.atomic():
        outbox_commit.emit_with_commit(RodeAlong(1))
        # not written yet: it goes with the COMMIT
        assert not OutboxEvent.objects.filter(topic=outbox.topic_of(RodeAlong)).exists()
        assert reacted == []
    # written by the COMMIT, then handled once it was committed, as emit() would
    assert reacted == [(1, 1)]
    row = OutboxEvent.objects.get(topic=outbox.topic_of(RodeAlong))
    assert row.payload == {"n": 1} and row.status == "done"
    # outside a transaction that commits it is written at once
    with pytest.raises(RuntimeError):  # emit_many's own rule: inside the caller's transaction
        outbox_commit.emit_with_commit(RodeAlong(2))

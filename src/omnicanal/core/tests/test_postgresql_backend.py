"""core.postgresql: Django's PostgreSQL backend, atomic()'s autocommit switches and COMMIT done through
libpq when psycopg's state is the plain one (issue 23), with psycopg's outcomes (PostgreSQL only)."""

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction

from omnicanal.core import libpq
from omnicanal.core.postgresql.base import DatabaseWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scratch():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_backend_scratch (id int PRIMARY KEY, "
                       "other int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_backend_scratch")


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM test_backend_scratch")
        return cursor.fetchone()[0]


def test_the_settings_use_it():
    assert isinstance(connections[DEFAULT_DB_ALIAS], DatabaseWrapper)


def test_atomic_commits_through_libpq_and_leaves_autocommit_as_it_was(scratch, monkeypatch):
    commits = []
    monkeypatch.setattr(psycopg.Connection, "commit", lambda self: commits.append(self))  # never psycopg's
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_backend_scratch VALUES (1, 1)")
        assert connection.connection.autocommit is False
    assert commits == []
    assert connection.connection.autocommit is True
    assert connection.connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert _count() == 1


def test_a_commit_the_database_refuses_raises_djangos_error_and_nothing_stays(scratch):
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:  # a deferred constraint fails at COMMIT only
            cursor.execute("INSERT INTO test_backend_scratch VALUES (1, 7), (2, 7)")
    assert connection.connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert _count() == 0
    with transaction.atomic():  # the connection is still usable
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_backend_scratch VALUES (3, 3)")
    assert _count() == 1


def test_on_commit_callbacks_run_after_the_commit_and_not_after_a_rollback(scratch):
    ran = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("committed"))
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: ran.append("rolled back"))
        raise RuntimeError
    assert ran == ["committed"]


def test_with_an_open_transaction_the_autocommit_switch_is_psycopgs_and_refused_as_psycopg_refuses():
    connection.ensure_connection()
    conn = connection.connection
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert libpq.set_autocommit(conn, True) is False  # a transaction is open: left to psycopg
        with pytest.raises(psycopg.ProgrammingError):
            conn.autocommit = True


def test_in_a_psycopg_pipeline_it_steps_aside():
    connection.ensure_connection()
    conn = connection.connection
    with conn.pipeline():
        assert libpq.set_autocommit(conn, False) is False
        assert libpq.commit(conn) is False
    assert libpq.commit(conn) is True  # nothing open: nothing sent


def test_run_encoded_sends_the_callers_bytes_as_they_are():
    statement = libpq.HotStatement("test_encoded", "SELECT %(s)s::text, %(n)s::text IS NULL, %(i)s::int + 1")
    assert statement.run_encoded({"s": "ñandú".encode(), "n": None, "i": b"41"}, connection) == [("ñandú", "t", "42")]
    assert statement.run_encoded({"s": b"x", "n": b"y", "i": b"0"}) == [("x", "f", "1")]

"""core.postgresql: Django's PostgreSQL backend, atomic()'s autocommit switches and COMMIT done through
libpq when psycopg's state is the plain one (issue 23), with psycopg's outcomes (PostgreSQL only)."""

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction

from omnicanal.core import libpq
from omnicanal.core.postgresql.base import DatabaseWrapper
from omnicanal.core.testing import run_in_a_thread

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


# --- The lean set_autocommit()/commit() (issue 23, 2026-12-07) ------------------------------------------


@pytest.fixture
def djangos(monkeypatch):
    """Counts the calls that reach Django's own set_autocommit()/commit() (the long way)."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    calls = []
    for name in ("set_autocommit", "commit"):
        original = getattr(BaseDatabaseWrapper, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(BaseDatabaseWrapper, name, counted)
    return calls


def test_an_outermost_atomic_takes_the_lean_path_with_djangos_outcomes(scratch, djangos):
    connection.close_if_health_check_failed()  # a request of an earlier test may have left one due
    ran = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append(connection.connection.pgconn.transaction_status))
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_backend_scratch VALUES (1, 1)")
        assert connection.connection.autocommit is False and connection.get_autocommit() is False
        with transaction.atomic():  # nested: a savepoint, Django's as ever
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO test_backend_scratch VALUES (2, 2)")
    assert djangos == []
    assert ran == [psycopg.pq.TransactionStatus.IDLE]  # after the COMMIT, once
    assert connection.get_autocommit() is True and connection.connection.autocommit is True
    assert connection.run_commit_hooks_on_set_autocommit_on is False and connection.run_on_commit == []
    assert _count() == 2


def test_the_lean_path_rolls_back_on_an_exception_and_runs_no_callback(scratch, djangos):
    ran = []
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: ran.append("committed"))
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_backend_scratch VALUES (1, 1)")
        raise RuntimeError
    assert ran == [] and _count() == 0
    assert connection.get_autocommit() is True
    assert "commit" not in djangos


def test_a_commit_the_database_refuses_on_the_lean_path_raises_and_the_next_block_works(scratch, djangos):
    with pytest.raises(IntegrityError), transaction.atomic(durable=True):
        with connection.cursor() as cursor:  # a deferred constraint fails at COMMIT only
            cursor.execute("INSERT INTO test_backend_scratch VALUES (1, 7), (2, 7)")
    assert "commit" not in djangos  # the failing COMMIT went through the lean path
    assert connection.get_autocommit() is True and _count() == 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_backend_scratch VALUES (3, 3)")
    assert _count() == 1


def test_with_queries_logged_it_is_djangos_way_and_the_transaction_edges_are_logged(djangos):
    from django.test.utils import CaptureQueriesContext

    connection.ensure_connection()
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert djangos == ["set_autocommit", "commit", "set_autocommit"]
    assert [q["sql"] for q in captured.captured_queries] == ["BEGIN", "SELECT 1", "COMMIT"]


def test_inside_a_running_event_loop_it_refuses_as_django_does(monkeypatch):
    import asyncio

    from django.core.exceptions import SynchronousOnlyOperation

    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set once the browser tests ran

    def body() -> None:
        connection.ensure_connection()

        async def enter():
            connection.set_autocommit(False)

        with pytest.raises(SynchronousOnlyOperation):
            asyncio.run(enter())
        assert connection.get_autocommit() is True

    run_in_a_thread(body)


def test_from_another_thread_the_commit_refuses_as_django_does():
    import threading

    from django.db import DatabaseError

    connection.ensure_connection()
    wrapper, raised = connections[DEFAULT_DB_ALIAS], []

    def commit():
        try:
            wrapper.commit()
        except DatabaseError as error:
            raised.append(error)

    thread = threading.Thread(target=commit)
    thread.start()
    thread.join()
    assert len(raised) == 1


def test_a_due_health_check_is_djangos_way(djangos):
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.ensure_connection()
    enabled = wrapper.health_check_enabled
    wrapper.health_check_enabled, wrapper.health_check_done = True, False
    try:
        with transaction.atomic():
            pass
        assert djangos[0] == "set_autocommit"  # Django's ran the check (and marked it done)
        assert wrapper.health_check_done is True
    finally:
        wrapper.health_check_enabled = enabled


def test_with_debug_turned_on_later_the_transaction_edges_are_logged_again(djangos):
    from django.test import override_settings

    connection.ensure_connection()
    with transaction.atomic():  # DEBUG off: read once, the lean path
        pass
    assert djangos == []
    with override_settings(DEBUG=True):
        connection.queries_log.clear()
        with transaction.atomic():
            pass
        assert [q["sql"] for q in connection.queries] == ["BEGIN", "COMMIT"]
    assert djangos == ["set_autocommit", "commit", "set_autocommit"]
    with transaction.atomic():  # and off again
        pass
    assert len(djangos) == 3


def test_in_a_running_loop_with_async_unsafe_allowed_it_is_lean_as_django_would_proceed(djangos, monkeypatch):
    import asyncio

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser tests (Playwright's loop)
    states = []

    async def switch():
        connection.ensure_connection()  # the loop's own wrapper (asgiref's context-local storage)
        try:
            connection.set_autocommit(False)
            states.append(connection.connection.autocommit)
            connection.set_autocommit(True)
            states.append(connection.connection.autocommit)
        finally:
            connection.close()

    run_in_a_thread(lambda: asyncio.run(switch()))
    assert djangos == [] and states == [False, True]


@pytest.fixture
def pooled():
    """A wrapper of the test database with psycopg's pool and health checks on, as in production."""
    from omnicanal.core.postgresql import base

    settings = {**connection.settings_dict, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}}
    wrapper = DatabaseWrapper(settings, alias="pool_check_test")
    yield wrapper
    wrapper.close()
    wrapper.close_pool()
    assert "pool_check_test" not in base.DatabaseWrapper._connection_pools


def _checks(monkeypatch) -> list:
    from omnicanal.core.postgresql import base

    checked, real = [], base._full_check
    monkeypatch.setattr(base, "_full_check", lambda conn: checked.append(conn) or real(conn))
    return checked


def _backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_pooled_connection_taken_again_is_not_checked_with_a_round_trip(pooled, monkeypatch):
    """A request takes a pooled connection: Django's health check was an empty query (a round trip)
    each time; a connection open, idle and with nothing from the server waiting is taken as it is."""
    first = _backend_pid(pooled)
    pooled.close()  # back to the pool, as at a request's end
    sent, execute = [], psycopg.Connection.execute
    monkeypatch.setattr(psycopg.Connection, "execute", lambda self, query, *a, **kw: sent.append(query)
                        or execute(self, query, *a, **kw))

    assert _backend_pid(pooled) == first
    assert "" not in sent  # psycopg_pool's check_connection: conn.execute("")


def test_a_pooled_connection_the_server_ended_is_checked_and_replaced(pooled, monkeypatch):
    """The server ended the session while it sat in the pool (a restart, a terminated backend): its
    FATAL waits on the socket, so the connection gets the empty query, fails it, and the request gets
    a new connection instead of a 500."""
    import select

    from omnicanal.core.postgresql import base

    first = _backend_pid(pooled)
    kept = pooled.connection
    pooled.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    poller = select.poll()
    poller.register(kept.pgconn.socket, select.POLLIN)
    assert poller.poll(5000), "the server's FATAL did not arrive"
    assert not base._sound_at_a_glance(kept)
    checked = _checks(monkeypatch)

    second = _backend_pid(pooled)

    assert second != first
    assert checked and checked[0] is kept

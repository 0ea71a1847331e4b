"""HotStatement: hot-path statements sent through libpq with text parameters (PostgreSQL only)."""

import datetime as dt

import psycopg
import pytest
from django.db import connection, transaction

from omnicanal.core.libpq import HotStatement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AWKWARD = ['plain', 'a "quoted" word', "back\\slash", "comma, brace {x}", "ñandú", "NULL", ""]


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_every_kind_of_parameter_reaches_the_server_as_sent():
    statement = HotStatement("test_kinds", "SELECT %(s)s::text, %(i)s::int, %(b)s::boolean, %(t)s::timestamptz = "
                                           "'2026-11-23 12:30:00+00', %(n)s::text IS NULL, %(s)s::text = %(again)s::text")
    at = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    [row] = statement.run({"s": "ñandú", "i": -42, "b": False, "t": at, "n": None, "again": "ñandú"})
    assert row == ("ñandú", "-42", "f", "t", "t", "t")


def test_arrays_of_awkward_strings_and_of_numbers_arrive_element_by_element():
    strings = HotStatement("test_text_array", "SELECT x FROM unnest(%(values)s::text[]) WITH ORDINALITY AS u(x, n) "
                                              "ORDER BY n")
    assert [x for (x,) in strings.run({"values": AWKWARD})] == AWKWARD
    numbers = HotStatement("test_int_array", "SELECT sum(x), count(*) FROM unnest(%(values)s::int[]) AS u(x)")
    assert numbers.run({"values": [3, -1, 40]}) == [("42", "3")]


def test_a_value_it_cannot_send_is_refused_before_anything_is_sent():
    statement = HotStatement("test_refused", "SELECT %(v)s::text")
    with pytest.raises(TypeError):
        statement.run({"v": 1.5})
    with pytest.raises(ValueError):
        statement.run({"v": dt.datetime(2026, 1, 1)})  # naive


def test_it_is_prepared_once_per_connection_under_its_name():
    statement = HotStatement("test_once", "SELECT %(v)s::int + 1")
    assert statement.run({"v": 1}) == [("2",)]
    assert statement.run({"v": 2}) == [("3",)]
    assert "test_once" in _prepared_names()


@pytest.mark.django_db(transaction=True)
def test_a_statement_deallocated_behind_its_back_is_prepared_again_outside_a_transaction():
    statement = HotStatement("test_lost", "SELECT %(v)s::int * 2")
    assert statement.run({"v": 2}) == [("4",)]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's reset or DISCARD ALL does
    assert statement.run({"v": 3}) == [("6",)]


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_lost_statement_is_an_error_and_the_next_call_prepares_it_again():
    statement = HotStatement("test_lost_in_transaction", "SELECT %(v)s::int * 2")
    statement.run({"v": 1})
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(psycopg.errors.InvalidSqlStatementName), transaction.atomic():
        statement.run({"v": 2})
    assert statement.run({"v": 4}) == [("8",)]


def test_a_failing_statement_raises_psycopgs_error_with_its_diagnostics():
    statement = HotStatement("test_fails", "SELECT 1 / %(v)s::int")
    with pytest.raises(psycopg.errors.DivisionByZero) as failed:
        with transaction.atomic():
            statement.run({"v": 0})
    assert failed.value.sqlstate == "22012"


def test_with_preparing_turned_off_it_runs_unnamed(monkeypatch):
    """DB_PREPARE=0 (an old PgBouncer in transaction mode) leaves psycopg's prepare_threshold unset."""
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    statement = HotStatement("test_unnamed", "SELECT %(v)s::int - 1")
    assert statement.run({"v": 1}) == [("0",)]
    assert "test_unnamed" not in _prepared_names()


@pytest.mark.django_db(transaction=True)
def test_as_the_first_statement_of_a_callers_transaction_it_is_part_of_it():
    """psycopg opens a transaction lazily, with its first statement; one sent through libpq must
    open it too, or it would commit on its own while the caller's work rolls back."""
    insert = HotStatement("test_in_transaction", "INSERT INTO core_outboxevent (topic, payload, created_at, status, "
                                                 "done_handlers, attempts, last_error) VALUES ('test.Rolled', '{}', "
                                                 "now(), 'done', '[]', 0, '') RETURNING id")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert insert.run({})
        raise Undo
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_outboxevent WHERE topic = 'test.Rolled'")
        assert cursor.fetchone() == (0,)


class _Counting:
    """The connection's libpq handle, counting the calls that wait for the server's answer."""

    def __init__(self, pgconn):
        self.pgconn, self.waits = pgconn, []

    def __getattr__(self, name):
        attr = getattr(self.pgconn, name)
        if name in ("exec_", "exec_params", "exec_prepared", "prepare", "pipeline_sync"):
            def counted(*args):
                self.waits.append(name)
                return attr(*args)
            return counted
        return attr


@pytest.mark.django_db(transaction=True)
def test_the_begin_it_sends_for_a_callers_transaction_shares_the_statements_round_trip(monkeypatch):
    statement = HotStatement("test_one_trip", "SELECT %(v)s::int + 1, txid_current_if_assigned() IS NULL")
    with transaction.atomic():
        connection.ensure_connection()
        counting = _Counting(connection.connection.pgconn)
        monkeypatch.setattr(connection.connection, "pgconn", counting)
        assert statement.run({"v": 1}) == [("2", "t")]  # prepared, BEGIN and run: one Sync
        assert counting.waits == ["pipeline_sync"]
        assert counting.pipeline_status == 0  # pipeline mode left
        assert counting.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        monkeypatch.undo()
    assert "test_one_trip" in _prepared_names()
    with transaction.atomic():
        assert statement.run({"v": 2}) == [("3", "t")]  # prepared already: BEGIN and run


@pytest.mark.django_db(transaction=True)
def test_a_first_statement_that_fails_raises_its_error_and_leaves_the_transaction_to_roll_back():
    statement = HotStatement("test_first_fails", "SELECT 1 / %(v)s::int")
    with pytest.raises(psycopg.errors.DivisionByZero) as failed, transaction.atomic():
        statement.run({"v": 0})
    assert failed.value.sqlstate == "22012"
    assert connection.connection.pgconn.pipeline_status == 0
    assert statement.run({"v": 1}) == [("1",)]  # prepared by the failed pipeline: the connection goes on


@pytest.mark.django_db(transaction=True)
def test_a_first_statement_lost_behind_its_back_is_an_error_and_prepared_again_next_time():
    statement = HotStatement("test_first_lost", "SELECT %(v)s::int * 3")
    statement.run({"v": 1})
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(psycopg.errors.InvalidSqlStatementName), transaction.atomic():
        statement.run({"v": 2})
    with transaction.atomic():
        assert statement.run({"v": 4}) == [("12",)]


@pytest.mark.django_db(transaction=True)
def test_with_preparing_turned_off_the_first_statement_of_a_transaction_runs_unnamed(monkeypatch):
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    statement = HotStatement("test_first_unnamed", "SELECT %(v)s::int - 1")
    with transaction.atomic():
        assert statement.run({"v": 1}) == [("0",)]
    assert "test_first_unnamed" not in _prepared_names()

"""Hot-path statements run through libpq itself (PostgreSQL only).

A psycopg cursor spends most of a short statement's client CPU on its own machinery: adapting
each parameter, its generators, building the result. For the few statements that run thousands
of times a second under contention (a hot SKU's reservation), that CPU is throughput: on a small
box the clients and the database share the cores. `HotStatement` sends the statement through
the connection's `pgconn` (psycopg's documented libpq wrapper), prepared once per connection
under a fixed name, with every parameter as text, and hands back the rows as text. It costs about
half the client CPU of a psycopg cursor per call (docs/catalog-inventory.md, "The reserve hot path").

Parameters are `None`, `str`, `int`, `bool`, aware `datetime` or lists of `str`/`int` (sent as
array literals); the statement casts each one (`%(skus)s::text[]`). With `DB_PREPARE=0` (an old
PgBouncer in transaction mode) the statement is sent unnamed each time instead of prepared.

Inside Django's atomic(), when the statement is the transaction's first, it sends the BEGIN psycopg
would have sent, in the same round trip (a libpq pipeline: BEGIN, the statement, one Sync).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping, Sequence

import psycopg.errors
from django.db import connection
from psycopg.errors import InvalidSqlStatementName
from psycopg.pq import ExecStatus, TransactionStatus

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_OK = (1, 2)  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
_PREPARED_ATTR = "_omnicanal_hot_statements"
_IDLE = TransactionStatus.IDLE
_PIPELINE_SYNC = ExecStatus.PIPELINE_SYNC
_PIPELINE_ABORTED = ExecStatus.PIPELINE_ABORTED


def _text(value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime sent to the database")
        return value.isoformat().encode()
    if isinstance(value, list | tuple):
        return _array_literal(value).encode()
    raise TypeError(f"HotStatement cannot send {type(value).__name__}")


def _array_literal(values: Sequence) -> str:
    """A one-dimensional array literal: every element double-quoted, `\\` and `"` escaped."""
    items = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, str | int):
            raise TypeError(f"HotStatement arrays hold str or int, not {type(v).__name__}")
        text = str(v)
        items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


class HotStatement:
    """One statement with named placeholders (`%(name)s`), run with a mapping of parameters."""

    def __init__(self, name: str, sql: str):
        self.names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in self.names:
                self.names.append(match.group(1))
            return f"${self.names.index(match.group(1)) + 1}"

        self.name = name.encode()
        self.sql = _PLACEHOLDER.sub(number, sql).encode()

    def run(self, params: Mapping) -> list[tuple[str | None, ...]]:
        """Rows as text (`None` for NULL). A failing statement raises psycopg's error for it
        (with its SQLSTATE and diagnostics), like a cursor would."""
        connection.ensure_connection()
        conn = connection.connection
        values = [_text(params[n]) for n in self.names]
        begin = _begin_due(conn)
        if begin is not None:
            return self._run_after(conn, begin, values)
        if conn.prepare_threshold is None:
            return _rows(_checked(conn.pgconn.exec_params(self.sql, values)))
        try:
            return self._run_prepared(conn, values)
        except InvalidSqlStatementName:
            # Deallocated behind our back (DISCARD ALL, DEALLOCATE ALL, a pooler's reset). Outside a
            # transaction nothing was lost but the statement: prepare it again. Inside one the
            # transaction is aborted and its caller must see the error.
            _prepared_on(conn).discard(self.name)
            if conn.pgconn.transaction_status != _IDLE:
                raise
            return self._run_prepared(conn, values)

    def _run_after(self, conn, begin: bytes, values: list[bytes | None]) -> list[tuple[str | None, ...]]:
        """BEGIN and the statement (and its PREPARE, the first time) in ONE round trip: a libpq
        pipeline. The first failure raises; what followed it was skipped by the server, and the
        transaction, opened, is aborted for the caller to roll back, as after a separate BEGIN."""
        pgconn = conn.pgconn
        sends = [lambda: pgconn.send_query_params(begin, None)]
        prepared = _prepared_on(conn)
        preparing = conn.prepare_threshold is not None and self.name not in prepared
        if conn.prepare_threshold is None:
            sends.append(lambda: pgconn.send_query_params(self.sql, values))
        else:
            if preparing:
                sends.append(lambda: pgconn.send_prepare(self.name, self.sql))
            sends.append(lambda: pgconn.send_query_prepared(self.name, values))
        results = _pipeline(pgconn, sends)
        if preparing and results[1].status in _OK:
            prepared.add(self.name)
        for result in results:
            if result.status not in _OK and result.status != _PIPELINE_ABORTED:
                error = psycopg.errors.error_from_result(result)
                if isinstance(error, InvalidSqlStatementName):
                    prepared.discard(self.name)  # deallocated behind our back: prepared again next time
                raise error
        return _rows(results[-1])

    def _run_prepared(self, conn, values: list[bytes | None]) -> list[tuple[str | None, ...]]:
        prepared = _prepared_on(conn)
        if self.name not in prepared:
            _checked(conn.pgconn.prepare(self.name, self.sql))
            prepared.add(self.name)
        return _rows(_checked(conn.pgconn.exec_prepared(self.name, values)))


def _begin_due(conn) -> bytes | None:
    """The BEGIN psycopg would send before this statement, or None: inside Django's atomic() the
    connection is out of autocommit, and psycopg sends BEGIN lazily, with the first statement it runs.
    Without it, a HotStatement that came first would run (and commit) on its own."""
    if conn.autocommit or conn.pgconn.transaction_status != _IDLE:
        return None
    level = conn.isolation_level
    return b"BEGIN" if level is None else f"BEGIN ISOLATION LEVEL {level.name.replace('_', ' ')}".encode()


def _pipeline(pgconn, sends: list) -> list:
    """Send every command, then one Sync, and read each command's result: one round trip. A command
    after a failed one comes back PIPELINE_ABORTED (the server skipped it)."""
    pgconn.enter_pipeline_mode()
    try:
        for send in sends:
            send()
        pgconn.pipeline_sync()
        results = []
        for _ in sends:
            results.append(pgconn.get_result())
            while pgconn.get_result() is not None:  # each command's results end with a NULL
                pass
        if pgconn.get_result().status != _PIPELINE_SYNC:
            raise psycopg.OperationalError("libpq pipeline out of step")
    except BaseException:
        with contextlib.suppress(Exception):  # the connection is likely gone: its error is the one to see
            pgconn.exit_pipeline_mode()
        raise
    pgconn.exit_pipeline_mode()
    return results


def _prepared_on(conn) -> set[bytes]:
    """The names this process prepared on `conn` (it lives as long as the connection)."""
    names = getattr(conn, _PREPARED_ATTR, None)
    if names is None:
        names = set()
        setattr(conn, _PREPARED_ATTR, names)
    return names


def _rows(result) -> list[tuple[str | None, ...]]:
    return [tuple(None if (v := result.get_value(row, col)) is None else v.decode() for col in range(result.nfields))
            for row in range(result.ntuples)]


def _checked(result):
    if result.status not in _OK:
        # Django's PostgreSQL connections always speak UTF-8.
        raise psycopg.errors.error_from_result(result)
    return result

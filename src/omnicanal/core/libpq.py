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
import select
from asyncio import _get_running_loop
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg.errors
from django.db import connection
from psycopg.errors import InvalidSqlStatementName
from psycopg.pq import ConnStatus, ExecStatus, TransactionStatus

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_OK = (1, 2)  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
_PREPARED_ATTR = "_omnicanal_hot_statements"
_IDLE = TransactionStatus.IDLE
_PIPELINE_SYNC = ExecStatus.PIPELINE_SYNC
_PIPELINE_ABORTED = ExecStatus.PIPELINE_ABORTED
_CONNECTION_OK = ConnStatus.OK


def _text(value) -> bytes | None:
    # By exact type first: a reservation sends 14 parameters per call, and a chain of isinstance
    # checks per parameter was a tenth of its Python (issue 23). Subclasses (a str enum) go the long way.
    send = _BY_TYPE.get(type(value))
    if send is not None:
        return send(value)
    return _text_of_subclass(value)


def _text_of_subclass(value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, dt.datetime):
        return _aware(value)
    if isinstance(value, list | tuple):
        return _array_literal(value).encode()
    raise TypeError(f"HotStatement cannot send {type(value).__name__}")


def _aware(value: dt.datetime) -> bytes:
    if value.tzinfo is None:
        raise ValueError("naive datetime sent to the database")
    return value.isoformat().encode()


_BY_TYPE: dict[type, Callable[[Any], bytes | None]] = {
    type(None): lambda value: None, str: str.encode, int: lambda value: str(value).encode(),
    bool: lambda value: b"t" if value else b"f", dt.datetime: _aware,
    list: lambda value: _array_literal(value).encode(), tuple: lambda value: _array_literal(value).encode(),
}


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

    def encode(self, params: Mapping) -> list[bytes | None]:
        """The parameters as the text PostgreSQL reads, in the statement's order (run_values takes
        them so, and core.laststep.ride)."""
        return [_text(params[n]) for n in self.names]

    def run(self, params: Mapping) -> list[tuple[str | None, ...]]:
        """Rows as text (`None` for NULL). A failing statement raises psycopg's error for it
        (with its SQLSTATE and diagnostics), like a cursor would."""
        return self.run_encoded({n: _text(params[n]) for n in self.names})

    def run_encoded(self, params: Mapping[str, bytes | None], db=None) -> list[tuple[str | None, ...]]:
        """run() with every parameter already as the text PostgreSQL reads (UTF-8 bytes, None for
        NULL): a caller on the hottest path encodes its few known types inline (issue 23). `db`: the
        default database's wrapper when the caller holds it (each attribute read through
        django.db.connection looks the wrapper up again in its context-local storage)."""
        return self.run_values([params[n] for n in self.names], db)

    def run_values(self, values: list[bytes | None], db=None) -> list[tuple[str | None, ...]]:
        """run_encoded() with the parameters in the statement's order (`names`), for the hottest
        caller (issue 23: a mapping built to be read back by name cost it a few per cent)."""
        db = connection if db is None else db
        if db.connection is None or _get_running_loop() is not None:
            # Django's, which connects, and refuses to run in an event loop's thread; skipped when
            # connected outside one (its decorator's wrapper and checks, on every call).
            db.ensure_connection()
        conn = db.connection
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
        prepared = _prepared_on(conn)
        preparing = conn.prepare_threshold is not None and self.name not in prepared

        def send() -> int:
            pgconn.send_query_params(begin, None)
            if conn.prepare_threshold is None:
                pgconn.send_query_params(self.sql, values)
                return 2
            if preparing:
                pgconn.send_prepare(self.name, self.sql)
            pgconn.send_query_prepared(self.name, values)
            return 3 if preparing else 2

        results = _pipeline(pgconn, send)
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


def _pipeline(pgconn, send: Callable[[], int]) -> list:
    """Send the commands (`send()` sends them and says how many), then one Sync, and read each
    command's result: one round trip. A command after a failed one comes back PIPELINE_ABORTED (the
    server skipped it). Pipeline mode is left whatever happens."""
    pgconn.enter_pipeline_mode()
    try:
        results = _synced(pgconn, send())
    except BaseException:
        with contextlib.suppress(Exception):  # the connection is likely gone: its error is the one to see
            pgconn.exit_pipeline_mode()
        raise
    pgconn.exit_pipeline_mode()
    return results


def _synced(pgconn, commands: int) -> list:
    """The Sync, then each of the `commands` results sent before it (in pipeline mode)."""
    pgconn.pipeline_sync()
    _flush(pgconn)
    results = []
    for _ in range(commands):
        results.append(_next_result(pgconn))
        while _next_result(pgconn) is not None:  # each command's results end with a NULL
            pass
    if _next_result(pgconn).status != _PIPELINE_SYNC:
        raise psycopg.OperationalError("libpq pipeline out of step")
    return results


def _flush(pgconn) -> None:
    """Everything sent (psycopg's connections are non-blocking: a send may leave bytes queued)."""
    while pgconn.flush():
        _wait(pgconn, select.POLLOUT)


def _next_result(pgconn):
    """The next result, waiting for it in poll() and not in PQgetResult: psycopg's get_result() holds
    the GIL while libpq blocks, which would stop every other thread of the process for as long as the
    statement waits (a hot row's queue), unlike its exec calls."""
    while pgconn.is_busy():
        _wait(pgconn, select.POLLIN)
        pgconn.consume_input()
    return pgconn.get_result()


def _wait(pgconn, event: int) -> None:
    poller = select.poll()
    poller.register(pgconn.socket, event)
    poller.poll()


def _prepared_on(conn) -> set[bytes]:
    """The names this process prepared on `conn` (it lives as long as the connection)."""
    names = getattr(conn, _PREPARED_ATTR, None)
    if names is None:
        names = set()
        setattr(conn, _PREPARED_ATTR, names)
    return names


def _rows(result) -> list[tuple[str | None, ...]]:
    columns, value = range(result.nfields), result.get_value
    # A list inside tuple(), not a generator: a hot statement reads one short row per call.
    return [tuple([None if (v := value(row, col)) is None else v.decode() for col in columns])
            for row in range(result.ntuples)]


def _checked(result):
    if result.status not in _OK:
        # Django's PostgreSQL connections always speak UTF-8.
        raise psycopg.errors.error_from_result(result)
    return result


# --- A transaction's edges (core.postgresql's DatabaseWrapper) ---------------------------------------
# Django's atomic() turns psycopg's autocommit off, commits and turns it on again: each of the three
# runs a generator through psycopg's wait loop behind its lock, and the COMMIT goes out through its
# non-blocking send and poll, for ~1/5 of a hot reservation's client CPU inside a caller's
# transaction (issue 23). When psycopg's state is the plain one Django uses (no pipeline, no
# two-phase commit, no connection.transaction() block, the connection up), they are done here.


def _plain(conn) -> bool:
    return (conn.pgconn.status == _CONNECTION_OK and not conn._pipeline and not conn._tpc
            and not conn._num_transactions)


def set_autocommit(conn, value: bool) -> bool:
    """Turn psycopg's autocommit on or off as its setter would (no transaction may be open: nothing
    is sent either way, psycopg's next statement sends BEGIN when it is off). False when the state is
    not the plain one: the caller then asks psycopg, which also raises what it raises."""
    if not _plain(conn) or conn.pgconn.transaction_status != _IDLE:
        return False
    conn._autocommit = bool(value)
    return True


def commit(conn) -> bool:
    """COMMIT the open transaction (none open: nothing sent, as psycopg does), one blocking libpq
    call. A failing COMMIT (a deferred constraint) raises psycopg's error for it, the transaction
    then over, as psycopg's commit() would. False when the state is not the plain one."""
    if not _plain(conn):
        return False
    pgconn = conn.pgconn
    if pgconn.transaction_status != _IDLE:
        _checked(pgconn.exec_(b"COMMIT"))
    return True


class StatementFailed(Exception):
    """A statement sent with the COMMIT (commit_with) failed: nothing was committed. `index`: which
    one, `error`: psycopg's error for it (its SQLSTATE and diagnostics)."""

    def __init__(self, index: int, error: psycopg.Error):
        super().__init__(index, error)
        self.index, self.error = index, error


def commit_with(conn, statements: Sequence[tuple[HotStatement, list[bytes | None]]],
                then: Sequence[tuple[HotStatement, list[bytes | None]]] = ()) -> list | None:
    """Run `statements` (each with its parameters as text, as run_encoded takes them) as the open
    transaction's last statements and COMMIT it, all in ONE round trip: a libpq pipeline of the
    statements (their PREPARE the first time), the COMMIT and one Sync. Returns each statement's rows,
    or None when psycopg's state is not the plain one (nothing sent: the caller runs them its own way).

    When nothing was sent yet in the transaction (psycopg sends BEGIN lazily) and its isolation level
    is the server's default, no BEGIN and no COMMIT are sent either: up to its Sync a pipeline is one
    implicit transaction, which the Sync commits — the same transaction, two commands fewer.

    A failing statement raises StatementFailed: the server skipped what followed it, the COMMIT
    included, and the transaction is over (an implicit one) or aborted (an explicit one: the caller
    rolls it back, as after any failed statement). A failing COMMIT (a deferred constraint) raises
    psycopg's error for it, the transaction then over, as commit() does.

    `then`: statements sent after the COMMIT in the same round trip, each on its own (a statement
    that must not run before the transaction is committed: the idempotency claim's release). The
    COMMIT is then always sent (an implicit transaction would hold them). Their rows follow the
    statements' in the list returned, None for one that did not run (the COMMIT failed) or failed
    (the transaction is committed all the same: the caller does it its own way)."""
    if not _plain(conn):
        return None
    pgconn = conn.pgconn
    begin = _begin_due(conn)
    implicit = begin == b"BEGIN" and not then
    prepare = conn.prepare_threshold is not None
    prepared = _prepared_on(conn)
    kinds: list[int] = []  # per command sent: the statement's index, -1 for BEGIN/PREPARE/COMMIT
    preparing: list[tuple[int, bytes]] = []  # (position among the commands, name) of each PREPARE
    after_commit: list[int] = []  # the position of the first command after the COMMIT (`then`'s)

    def send_one(index: int, statement: HotStatement, values: list[bytes | None]) -> None:
        if not prepare:
            pgconn.send_query_params(statement.sql, values)
        else:
            if statement.name not in prepared and all(statement.name != name for _at, name in preparing):
                # once per pipeline: the same statement may ride twice in one transaction
                pgconn.send_prepare(statement.name, statement.sql)
                preparing.append((len(kinds), statement.name))
                kinds.append(-1)
            pgconn.send_query_prepared(statement.name, values)
        kinds.append(index)

    def send() -> int:
        if begin is not None and not implicit:
            pgconn.send_query_params(begin, None)
            kinds.append(-1)
        for index, (statement, values) in enumerate(statements):
            send_one(index, statement, values)
        if not implicit:
            pgconn.send_query_params(b"COMMIT", None)
            kinds.append(-1)
        after_commit.append(len(kinds))
        for index, (statement, values) in enumerate(then, start=len(statements)):
            send_one(index, statement, values)
        return len(kinds)

    results = _pipeline(pgconn, send)
    # A PREPARE that went through stays on the server, whatever followed it (not transactional).
    prepared.update(name for at, name in preparing if results[at].status in _OK)
    for at, (result, index) in enumerate(zip(results, kinds, strict=True)):
        if result.status in _OK or result.status == _PIPELINE_ABORTED:
            continue
        error = psycopg.errors.error_from_result(result)
        if isinstance(error, InvalidSqlStatementName):
            for statement, _values in (*statements, *then):  # deallocated behind our back: prepared again next time
                prepared.discard(statement.name)
        if at >= after_commit[0]:
            continue  # the transaction is committed: `then`'s failures are reported as None below
        if index < 0:
            raise error
        raise StatementFailed(index, error)
    return [_rows(result) if at < after_commit[0] or result.status in _OK else None
            for at, (result, index) in enumerate(zip(results, kinds, strict=True)) if index >= 0]

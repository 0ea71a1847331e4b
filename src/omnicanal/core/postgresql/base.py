"""Django's PostgreSQL backend, its transaction's edges done through libpq (core.libpq).

Everything is Django's but turning autocommit off and on and the COMMIT of atomic(): psycopg runs
each through its generator-and-wait machinery, which costs more client CPU than the hot reservation's
own statement (issue 23: ~1/5 of `do_reserve`'s client CPU inside a caller's transaction, on a box
where the clients and the database share two cores). When psycopg's state is not the plain one
(a pipeline, a two-phase transaction, a psycopg transaction() block), or queries are being logged,
it is psycopg's own way, as before.

The lean path (issue 23, 2026-12-07): `set_autocommit()` and `commit()`, the two calls an outermost
atomic() makes on the way in and out, do Django's checks inline and go straight to libpq when the
state is the common one: a connection open, no atomic block (atomic() calls them with none), queries
not logged, no health check due (none with psycopg's pool: the pool checks), no event loop running in
the thread (or DJANGO_ALLOW_ASYNC_UNSAFE set: Django's async_unsafe check), the connection's own
thread. Any other state takes Django's own methods, unchanged, which then also
raise what they raise. What the lean path leaves out is only the machinery around those checks
(three decorators' wrappers, a contextmanager per BEGIN, the pool property, the thread-sharing lock):
~1/10 of a reservation's client instructions inside a caller's transaction.

The pool's check on checkout (issue 23): with CONN_HEALTH_CHECKS Django hands psycopg_pool its
check_connection, an empty query — one round trip, and psycopg's execute machinery, on every request
that takes a connection. `check_on_checkout` sends it only when the connection is not sound at a
glance: open, idle, and nothing to read on its socket. A server that ends a session (a restart, a
terminated backend, an idle timeout) sends its FATAL and closes the socket, which is then readable: that
connection still gets the empty query, fails it, and the pool replaces it, as before. What a glance
misses the query would have missed too (a connection cut just after the check).

Statements riding with the COMMIT (core.laststep.ride, 2026-12-07): commit() sends them with the
COMMIT in one round trip (core.libpq.commit_with), or, in any other state, runs them one by one and
then commits Django's way. When one fails, the transaction is rolled back (Django's rollback(): its
on_commit callbacks dropped) and the rider's Problem is raised from commit(), so from atomic()'s exit.
"""

from __future__ import annotations

import _thread
import os
import select
from asyncio import _get_running_loop

import psycopg
from django.conf import settings
from django.core.signals import setting_changed
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from django.dispatch import receiver
from django.utils.functional import cached_property

from omnicanal.core import laststep, libpq

# settings.DEBUG as last read: each read through LazySettings costs a Python frame and a raised and
# caught AttributeError (three per atomic() otherwise). Read again when a test overrides it.
_debug: list[bool] = []


@receiver(setting_changed)
def _forget_debug(*, setting: str, **kwargs) -> None:
    if setting == "DEBUG":
        _debug.clear()


def _queries_logged(wrapper) -> bool:
    """Django's `queries_logged` (force_debug_cursor or settings.DEBUG), DEBUG read once."""
    if wrapper.force_debug_cursor:
        return True
    if not _debug:
        _debug.append(bool(settings.DEBUG))
    return _debug[0]


def _sound_at_a_glance(conn) -> bool:
    """Open, idle, and the server has said nothing since (no FATAL, no end of file waiting)."""
    pgconn = conn.pgconn
    if pgconn.status != psycopg.pq.ConnStatus.OK or pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    return not poller.poll(0)


def _djangos_check():
    from psycopg_pool import ConnectionPool  # only when pooling: the package is optional for Django

    return ConnectionPool.check_connection


def _full_check(conn) -> None:
    _djangos_check()(conn)


def check_on_checkout(conn) -> None:
    """psycopg_pool's check of a connection a request takes: its empty query only when the connection
    is not sound at a glance (see the module's docstring). Raises as that check raises."""
    if not _sound_at_a_glance(conn):
        _full_check(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    rides_with_commit = True  # core.laststep.ride: commit() sends the statements handed to it

    @property
    def pool(self):
        pool = super().pool
        # Django passes psycopg_pool's check_connection when CONN_HEALTH_CHECKS is on (None when off):
        # ours instead, from the first time the pool is read.
        if pool is not None and getattr(pool, "_check", None) is _djangos_check():
            pool._check = check_on_checkout
        return pool

    def _set_autocommit(self, autocommit: bool) -> None:
        with self.wrap_database_errors:
            if libpq.set_autocommit(self.connection, autocommit):
                return
        super()._set_autocommit(autocommit)  # type: ignore[misc]  # Django's, not in the stubs

    def _commit(self) -> None:
        if self.connection is not None and not self.queries_logged:
            with self.wrap_database_errors:
                if libpq.commit(self.connection):
                    return
        super()._commit()  # type: ignore[misc]  # Django's, not in the stubs

    def _lean(self) -> bool:
        """The state the lean set_autocommit()/commit() handle; else Django's methods do."""
        own_thread = self._thread_ident == _thread.get_ident()  # type: ignore[attr-defined]  # Django's, not in the stubs
        # Django's async_unsafe check, without raising and catching a RuntimeError when no loop runs.
        no_loop = _get_running_loop() is None or bool(os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"))
        return (self.connection is not None and not self.in_atomic_block and no_loop
                and own_thread and not _queries_logged(self)
                and (self.health_check_done or not self.health_check_enabled  # type: ignore[attr-defined]
                     or self._pooled))

    @cached_property
    def _pooled(self) -> bool:
        """Django's `pool` is set (its health check then does nothing: the pool checks), without
        building the pool as reading that property does."""
        return bool(self.settings_dict["OPTIONS"].get("pool")) and self.alias != NO_DB_ALIAS

    def set_autocommit(self, autocommit: bool, force_begin_transaction_with_broken_autocommit: bool = False) -> None:
        # Django's, for the common state (see the module's docstring): PostgreSQL has no
        # _start_transaction_under_autocommit, so the flag changes nothing here either.
        if not self._lean() or not libpq.set_autocommit(self.connection, autocommit):
            super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
            return
        self.autocommit = autocommit
        if autocommit and self.run_commit_hooks_on_set_autocommit_on:
            self.run_and_clear_commit_hooks()
            self.run_commit_hooks_on_set_autocommit_on = False

    def commit(self) -> None:
        riding = laststep.rides(self)
        if riding:
            self._commit_with(riding)
            return
        if not self._lean():
            super().commit()
            return
        with self.wrap_database_errors:
            done = libpq.commit(self.connection)
        if not done:  # psycopg's state is not the plain one: nothing was sent
            super().commit()
            return
        # As Django's: a successful commit means that the connection works.
        self.errors_occurred = False
        self.run_commit_hooks_on_set_autocommit_on = True

    def _commit_with(self, riding: list[laststep.Ride]) -> None:
        """COMMIT with the statements riding on it (see the module's docstring); the trailing ones
        after it in the same round trip, or not at all outside the lean state (their `after` gets None)."""
        trailing = [r for r in riding if r.trailing]
        riding = [r for r in riding if not r.trailing]
        statements = [(r.statement, r.values) for r in riding]
        try:
            with self.wrap_database_errors:
                results = (libpq.commit_with(self.connection, statements, then=[(r.statement, r.values) for r in trailing])
                           if self._lean() else None)
                lean = results is not None
                if results is None:  # not the lean state: one by one, then Django's commit
                    results = self._run_one_by_one(statements) + [None] * len(trailing)
        except libpq.StatementFailed as failed:
            self.rollback()  # ROLLBACK if the transaction is still open; its on_commit callbacks dropped
            refused = riding[failed.index].refusal(failed.error)
            if refused is None:
                with self.wrap_database_errors:
                    raise failed.error from None
            raise refused from failed.error
        for ride, rows in zip([*riding, *trailing], results, strict=True):
            ride.rows = rows
        if lean:  # as Django's commit: a successful commit means that the connection works
            self.errors_occurred = False
            self.run_commit_hooks_on_set_autocommit_on = True

    def _run_one_by_one(self, statements) -> list:
        results = []
        for index, (statement, values) in enumerate(statements):
            try:
                results.append(statement.run_encoded(dict(zip(statement.names, values, strict=True)), self))
            except psycopg.Error as error:
                raise libpq.StatementFailed(index, error) from None
        super().commit()
        return results

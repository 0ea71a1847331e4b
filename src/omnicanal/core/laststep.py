"""The API write transaction's last statement: a write that takes a hot row's lock, run after the
answer and its idempotency record are ready, right before COMMIT.

ApiTransactionMiddleware opens a scope around the request's transaction (`scope()`), and a service
whose write locks a row that many requests queue on (a flash sale's SKU: inventory's reservation)
hands that write to `defer()` instead of running it at once. The middleware runs the deferred writes
with `run()` once the view has answered and the Idempotency record holds the answer; a Problem they
raise (insufficient stock) becomes the answer instead, and the transaction rolls back — nothing the
view wrote survives, as when the view itself raises. The lock is therefore held for that statement and
the COMMIT only, not while Python serializes the order, ninja renders it and the middleware stores it.

Outside such a scope (the console, the worker, the tests' direct calls) or outside a transaction,
`defer()` declines and the caller writes at once. A write deferred inside a savepoint that is rolled
back is dropped with it (it rides on Django's on_commit bookkeeping, which forgets the callbacks of a
rolled-back savepoint).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from django.db import connection, transaction

_ATTR = "_omnicanal_last_steps"


class _Marker:
    """A no-op on_commit callback whose presence says the savepoint that deferred a write survived."""

    def __call__(self) -> None:
        return None


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Collect deferred writes for the transaction the caller has just opened (the middleware's)."""
    setattr(connection, _ATTR, [])
    try:
        yield
    finally:
        setattr(connection, _ATTR, None)


def defer(write: Callable[[], None]) -> bool:
    """Hand `write` over to run as the transaction's last statement. False (nothing deferred: run it
    now) outside a scope or a transaction."""
    steps = getattr(connection, _ATTR, None)
    if steps is None or not connection.in_atomic_block:
        return False
    marker = _Marker()
    transaction.on_commit(marker)
    steps.append((marker, write))
    return True


def run() -> None:
    """Run the deferred writes, in the order they were deferred (those of rolled-back savepoints are
    skipped). A write's exception propagates: the caller rolls the transaction back."""
    steps = getattr(connection, _ATTR, None) or []
    setattr(connection, _ATTR, [])
    alive = {id(entry[1]) for entry in connection.run_on_commit}  # (savepoint ids, func, robust)
    for marker, write in steps:
        if id(marker) in alive:
            write()

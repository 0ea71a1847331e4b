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

With the COMMIT (`ride()`, PostgreSQL): a statement handed to ride() inside any outermost atomic()
that will commit is sent with that COMMIT, in the same round trip (core.postgresql's commit(), through
core.libpq.commit_with): the hot row's lock is then held for that statement and the COMMIT only, and
the transaction pays no round trip of its own for either. The statement refuses by raising in the
database, which stops the COMMIT like a deferred constraint: the transaction rolls back (nothing of it
is kept, its on_commit callbacks never run) and atomic() raises the Problem the rider's `refusal`
makes of the error. A ride in a savepoint that is rolled back is dropped with it (the ride is itself
the on_commit callback, which Django forgets with the savepoint); after a successful commit its
`after` gets the statement's rows, first among the on_commit callbacks registered after it.

Order within the round trip: the rides handed over with `lead=True` (writes that take no hot lock:
the idempotency record's answer), then the others in the order handed over, the COMMIT, and last the
`trailing=True` ones, sent after the COMMIT (the idempotency claim's release, which must not run
while the transaction may still roll back).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from django.db import connection, transaction

from omnicanal.core.errors import Problem
from omnicanal.core.libpq import HotStatement

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


_RIDES_ATTR = "_omnicanal_rides"  # on the wrapper: a ride was handed over since its last commit


class Ride:
    """A statement sent with the COMMIT (see the module's docstring). It is its own on_commit
    callback: Django forgets it with a rolled-back savepoint and calls it after the commit."""

    __slots__ = ("after", "lead", "refusal", "rows", "sent", "statement", "trailing", "values")

    def __init__(self, statement: HotStatement, values: list[bytes | None],
                 refusal: Callable[[Exception], Exception | None], after: Callable[[list | None], None],
                 lead: bool = False, trailing: bool = False):
        self.statement, self.values, self.refusal, self.after = statement, values, refusal, after
        self.lead = lead  # sent before the others: it takes no hot lock, theirs are held for it otherwise
        self.trailing = trailing  # sent after the COMMIT (its rows None when it was not)
        self.rows: list | None = [] if not trailing else None
        self.sent = False  # run ahead of the COMMIT (flush()): the COMMIT sends it no more

    def __call__(self) -> None:
        self.after(self.rows)


def _as_is(error: Exception) -> None:
    """A rider that refuses nothing: a failure of its statement is the database's error, as it is."""
    return None


def _nothing(rows: list | None) -> None:
    return None


def ride(statement: HotStatement, values: list[bytes | None], *, db,
         refusal: Callable[[Exception], Exception | None] = _as_is, after: Callable[[list | None], None] = _nothing,
         lead: bool = False, trailing: bool = False) -> bool:
    """Send `statement` (its parameters as text, in its order: HotStatement.names) with the COMMIT of
    the transaction `db` is in. `refusal(error)` makes the Problem atomic() raises when the statement
    fails (None, or no `refusal`: the database's error as it is); `after(rows)` runs once it committed. False (nothing
    handed over: run it now) outside a transaction, on another backend, inside a savepoint (its caller
    may catch the refusal to undo only that savepoint, which a refusal at the COMMIT would not let
    it), or when the outermost atomic() is a test case's, which never commits. `lead`: sent before
    the rides handed over without it (a write that takes no hot row's lock: the idempotency record's
    answer), so that the hot rows' locks are not held while it runs. `trailing`: sent right after the
    COMMIT, in the same round trip, never before it (a statement that must not run while the
    transaction may still roll back: the idempotency claim's release); it refuses nothing, and
    `after` gets None instead of its rows when it was not sent that way or failed (the caller then
    does it its own way). A rolled-back transaction drops it, as any ride."""
    if not db.in_atomic_block or db.savepoint_ids or not getattr(db, "rides_with_commit", False):
        return False
    for block in db.atomic_blocks:
        if block._from_testcase:
            return False
    db.on_commit(Ride(statement, values, refusal, after, lead, trailing))
    setattr(db, _RIDES_ATTR, True)
    return True


def rides(db) -> list[Ride]:
    """The rides the transaction about to commit carries (those of rolled-back savepoints are gone)."""
    if not getattr(db, _RIDES_ATTR, False):
        return []
    setattr(db, _RIDES_ATTR, False)
    riding = [entry[1] for entry in db.run_on_commit if type(entry[1]) is Ride and not entry[1].sent]
    if len(riding) > 1:  # stable: the leads first, the trailing ones last, each group in the order handed over
        riding.sort(key=_place)
    return riding


def _place(ride: Ride) -> int:
    return 2 if ride.trailing else (0 if ride.lead else 1)


def flush(db) -> None:
    """Run the rides the open transaction carries now, each as its own statement: for a reader of
    what they write (inventory's do_commit of a reservation placed in the same transaction). A
    refusal raises here, the Problem the rider makes of it (the transaction is then aborted: the
    caller's atomic() rolls it back); the rides' `after` still runs after the COMMIT."""
    if not getattr(db, _RIDES_ATTR, False):
        return
    for entry in db.run_on_commit:
        ride = entry[1]
        if type(ride) is not Ride or ride.sent or ride.trailing:
            continue
        ride.sent = True
        try:
            ride.rows = ride.statement.run_encoded(dict(zip(ride.statement.names, ride.values, strict=True)), db)
        except Exception as error:
            refused = ride.refusal(error)
            if refused is None:
                raise
            raise refused from error


class RefusedAtCommit:
    """Around an atomic() whose COMMIT may carry rides: keeps the Problem a ride's refusal raised at
    the exit (`problem`) instead of raising it, once the caller set `committing` (the block's end was
    reached and it is to commit). Any other exception, or one raised before, goes on."""

    def __init__(self):
        self.committing = False
        self.problem: Problem | None = None

    def __enter__(self) -> RefusedAtCommit:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if self.committing and isinstance(exc, Problem):
            self.problem = exc
            return True
        return False

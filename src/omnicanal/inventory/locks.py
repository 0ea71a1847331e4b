"""Every SELECT … FOR UPDATE of the inventory domain, in one fixed order.

The order, everywhere: a reservation or transfer row first (when the operation has one), then stock
rows by primary key, all in one statement. Two transactions that need overlapping stock rows
therefore queue on the lowest common row instead of deadlocking. `of=("self",)` locks only the stock
rows, never the joined variant or location (which would serialise every reservation at a location).

Stock rows are locked FOR NO KEY UPDATE: we never change their keys, and the weaker lock does not
wait for the KEY SHARE that PostgreSQL takes on a stock row when another transaction inserts a
reservation line or movement pointing at it.

The reserve hot path (below) first queues on each of its stock rows' advisory lock (STOCK_QUEUE), in
primary-key order, then takes the row locks. Nothing takes an advisory lock while holding a stock row
lock, so the queue adds no deadlock; it only spares waiters the row lock's hand-over.

SQLite has no row locks: there every write transaction takes the database write lock at BEGIN
(`transaction_mode=IMMEDIATE`), which serialises the same critical sections.
"""

from __future__ import annotations

from django.db.models import QuerySet

from omnicanal.core import laststep
from omnicanal.core.libpq import HotStatement
from omnicanal.inventory.models import (
    Reservation,
    StockLevel,
    Transfer,
)

STOCK_FIELDS = ("pk", "variant_id", "location_id", "on_hand", "reserved")
# The advisory-lock class of the reserve hot path's queue per stock row (the other key is the row id).
STOCK_QUEUE = 0x5354
_ROW_KEY_MASK = 0x7FFFFFFF  # the second key is an int4: row ids past it share a queue (a wait, never a wrong answer)


def queue_key(stock_id: int) -> tuple[int, int]:
    """The advisory-lock key of a stock row's queue, as the hot-path statement computes it."""
    return STOCK_QUEUE, stock_id & _ROW_KEY_MASK


def stock_rows(ids) -> list[dict]:
    """Lock stock rows by primary key, in primary-key order."""
    return list(
        StockLevel.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=list(ids)).order_by("pk")
        .values(*STOCK_FIELDS)
    )


def stock_rows_for(*, variant_ids, location_ids) -> list[dict]:
    """Lock the stock rows of these variants at these locations, in primary-key order."""
    return list(
        StockLevel.objects.select_for_update(of=("self",), no_key=True)
        .filter(variant_id__in=list(variant_ids), location_id__in=list(location_ids))
        .order_by("pk")
        .values(*STOCK_FIELDS)
    )


def reservation(qs: QuerySet[Reservation]) -> Reservation | None:
    return qs.select_for_update(of=("self",)).select_related("channel").first()


def transfer(public_id: str) -> Transfer | None:
    return (
        Transfer.objects.select_for_update(of=("self",)).select_related("origin", "destination")
        .filter(public_id=public_id).first()
    )


# The reserve hot path on PostgreSQL: ONE call of a PL/pgSQL function (sql/*.sql, loaded by migration 0005):
# inventory_reserve_row for one stock row, the common case, inventory_reserve for several. The caller names, for every line, the one stock row it is to come from (SKU, location,
# units). The function finds those rows and checks on its snapshot that each still covers its units
# after the channel's safety stock; if so it writes the reservation, its lines and its outbox event,
# waits its turn on each row's queue (an advisory lock held to commit, in primary-key order), and only
# then raises `reserved` on the rows, in a statement whose snapshot is taken after the wait: it sees
# each row as the previous holder left it. A row that no longer covers its units (another
# reservation got there in between) makes it delete the rows it wrote and answer go = false (migration
# 0008; it raised a check violation before, which needed a savepoint in a caller's transaction). Row locks are therefore held for that
# UPDATE and the commit only, as for a bare conditional UPDATE, and in autocommit the call is the
# whole transaction: no client round trip ever happens under a lock.
#
# The queue: reservations of a hot row wait in one queue that hands over at commit, not all on the row
# lock, whose every hand-over sets the waiters fighting over the tuple lock and the lock manager.
# Several rows are then locked FOR NO KEY UPDATE in primary-key order (the module's rule against
# deadlocks); a single row, the common case, is locked by its UPDATE alone.
_WRITE_ARGS = ("%(channel)s::text, %(public_id)s::text, %(reference)s::text, %(status)s::text, %(now)s::timestamptz, "
               "%(expires_at)s::timestamptz, %(actor)s::text, %(topic)s::text, %(payload)s::jsonb, "
               "%(event_status)s::text, %(request_id)s::text")
_RESERVE_ROW = HotStatement(
    "omnicanal_reserve_row",
    f"SELECT go, reservation_id, event_id FROM inventory_reserve_row(%(sku)s::text, %(code)s::text, %(take)s::int, "
    f"{_WRITE_ARGS})",
)
_RESERVE_ROWS = HotStatement(
    "omnicanal_reserve_rows",
    f"SELECT go, reservation_id, event_id FROM inventory_reserve(%(skus)s::text[], %(codes)s::text[], "
    f"%(takes)s::int[], {_WRITE_ARGS})",
)


# The one-row reservation sent WITH a caller's COMMIT (sql/reserve_row_at_commit.sql): it refuses by
# raising, which stops the COMMIT. Its SQLSTATEs: the row does not cover the units (DETAIL: what it can
# spare), the reference already holds an active reservation.
_RESERVE_ROW_AT_COMMIT = HotStatement(
    "omnicanal_reserve_row_at_commit",
    f"SELECT reservation_id, event_id FROM inventory_reserve_row_at_commit(%(sku)s::text, %(code)s::text, "
    f"%(take)s::int, {_WRITE_ARGS})",
)
SHORT, DUPLICATE = "OCSHT", "OCDUP"


def _timestamp(value) -> bytes:
    if value.tzinfo is None:
        raise ValueError("naive datetime sent to the database")
    return value.isoformat().encode()


class GaveWay(Exception):
    """The one-call reservation wrote nothing: a row is missing or does not cover its units
    (on the statement's snapshot, or on its newest version once locked)."""


# The one-row statements' parameters, in their order (_row_values builds them so).
_ROW_NAMES = ["sku", "code", "take", "channel", "public_id", "reference", "status", "now", "expires_at", "actor",
              "topic", "payload", "event_status", "request_id"]
if _RESERVE_ROW.names != _ROW_NAMES or _RESERVE_ROW_AT_COMMIT.names != _ROW_NAMES:
    raise ImportError("the one-row statements' parameters are not in _ROW_NAMES's order")


def _row_values(reservation, sku: str, code: str, take: int, event) -> list[bytes | None]:
    """The one-row statements' parameters in their order (_ROW_NAMES), each encoded here
    (HotStatement.run_values): a generic conversion per parameter was a tenth of the reservation's
    Python, a mapping of them read back by name another few per cent (issue 23)."""
    expires_at = reservation.expires_at
    return [sku.encode(), code.encode(), str(take).encode(), reservation.channel_id.encode(),
            reservation.public_id.encode(), reservation.reference.encode(), reservation.status.encode(),
            _timestamp(reservation.created_at), None if expires_at is None else _timestamp(expires_at),
            reservation.actor.encode(), event.topic.encode(), event.payload_json.encode(), event.status.encode(),
            event.request_id.encode()]


def reserve_with_commit(*, reservation, row: tuple[str, str, int], event, refusal, after, db) -> bool:
    """Hand the one-row reservation of `row` (SKU, location code, units) to the COMMIT of the
    transaction `db` is in (core.laststep.ride: one round trip for both). False when it cannot ride
    (no transaction that will commit): nothing handed over. `refusal(error)` makes the Problem of a
    refusal (refused() reads the error), `after(reservation id, event id)` runs once committed."""
    values = _row_values(reservation, *row, event)

    def written(rows) -> None:
        [(reservation_id, event_id)] = rows
        after(int(reservation_id), int(event_id))

    return laststep.ride(_RESERVE_ROW_AT_COMMIT, values, refusal=refusal, after=written, db=db)


def refused(error: Exception) -> tuple[str, int] | None:
    """What a failed reserve_with_commit call says: (SHORT, units the row can spare) or (DUPLICATE, 0);
    None for any other error (the database's own)."""
    state = getattr(error, "sqlstate", None)
    if state == SHORT:
        detail = error.diag.message_detail  # type: ignore[attr-defined]  # a psycopg error's
        return SHORT, int(detail) if detail and detail.isdigit() else 0
    if state == DUPLICATE:
        return DUPLICATE, 0
    return None


def reserve_at_once(*, reservation, plan: list[tuple[str, str, int]], event, db=None) -> tuple[int | None, int | None]:
    """Run the one-call reservation (PostgreSQL only) for `plan`: (SKU, location code, units),
    one entry per stock row. Returns (reservation id, event id), both None when
    `reservation.reference` already holds an active reservation (nothing written). Raises GaveWay
    when the stock cannot be taken as planned (nothing written).

    Prepared once per connection and run through libpq (core.libpq.HotStatement)."""
    if len(plan) == 1:
        # The common case, every parameter encoded here (HotStatement.run_values): a generic
        # conversion per parameter was a tenth of the reservation's Python (issue 23).
        [(sku, code, take)] = plan
        rows = _RESERVE_ROW.run_values(_row_values(reservation, sku, code, take, event), db)
    else:
        rows = _RESERVE_ROWS.run({
            "channel": reservation.channel_id, "public_id": reservation.public_id, "reference": reservation.reference,
            "status": reservation.status, "now": reservation.created_at, "expires_at": reservation.expires_at,
            "actor": reservation.actor, "topic": event.topic, "payload": event.payload_json,
            "event_status": event.status, "request_id": event.request_id, "skus": [sku for sku, _, _ in plan],
            "codes": [code for _, code, _ in plan], "takes": [take for _, _, take in plan],
        })
    # The function never raises to give way (it undoes its own rows and answers go = false): an error
    # here would abort a caller's transaction, which runs the call without a savepoint.
    [(go, reservation_id, event_id)] = rows
    if go != "t":
        raise GaveWay
    if reservation_id is None:
        return None, None
    assert event_id is not None  # the function writes the event with the reservation
    return int(reservation_id), int(event_id)

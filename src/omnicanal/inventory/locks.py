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

from omnicanal.catalog.models import Variant
from omnicanal.core.models import OutboxEvent
from omnicanal.inventory import queries
from omnicanal.inventory.models import (
    Location,
    LocationChannel,
    Reservation,
    ReservationLine,
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


# The reserve hot path on PostgreSQL, as ONE statement. The caller names, for every line, the one
# stock row it is to come from (SKU, location, units). The statement finds those rows and checks on
# its snapshot that each still covers its units after the channel's safety stock; if so it writes
# the reservation, its lines and its outbox event, and only then raises `reserved` on the stock
# rows, which locks them. A row whose newest values no longer cover its units (another reservation
# got there in between) is pushed past on_hand instead, so the CHECK reserved <= on_hand aborts the
# whole statement and nothing of it is written. The row locks are therefore held for the UPDATE and
# the commit only, as for a bare conditional UPDATE, and in autocommit the statement is the whole
# transaction: no client round trip ever happens under a lock.
#
# Before the row locks, the statement waits its turn on each row's queue (an advisory lock held to
# commit, in primary-key order): reservations of a hot row then wait in one queue that hands over at
# commit, not all on the row lock, whose every hand-over sets the waiters fighting over the tuple
# lock and the lock manager. Several rows are then locked FOR NO KEY UPDATE in primary-key order (the module's rule against
# deadlocks); a single row, the common case, needs no order and is locked by its UPDATE alone,
# which spares the hot row a second lock and its waiters a second wake-up. Either way the UPDATE
# evaluates its CASE on the newest version of each row once it holds the lock.
_FIND_AND_WRITE = f"""
WITH target AS (
  SELECT s.id, w.take, COALESCE(lc.safety_stock, 0) AS floor,
         s.on_hand - s.reserved - COALESCE(lc.safety_stock, 0) >= w.take AS fits
  FROM unnest(%(skus)s::text[], %(codes)s::text[], %(takes)s::int[]) AS w(sku, code, take)
  JOIN {Variant._meta.db_table} v ON v.sku = w.sku
  JOIN {Location._meta.db_table} l ON l.code = w.code AND l.active
  JOIN {StockLevel._meta.db_table} s ON s.variant_id = v.id AND s.location_id = l.id
  LEFT JOIN {LocationChannel._meta.db_table} lc ON lc.location_id = l.id AND lc.channel_id = %(channel)s
), verdict AS (
  SELECT count(*) = cardinality(%(skus)s::text[]) AND COALESCE(bool_and(fits), FALSE) AS go FROM target
), reservation AS (
  INSERT INTO {Reservation._meta.db_table} (public_id, reference, channel_id, status, created_at, expires_at, actor)
  SELECT %(public_id)s, %(reference)s, %(channel)s, %(status)s, %(now)s, %(expires_at)s, %(actor)s
  FROM verdict WHERE go
  ON CONFLICT DO NOTHING
  RETURNING id
), held AS (
  INSERT INTO {ReservationLine._meta.db_table} (reservation_id, stock_id, quantity, state)
  SELECT r.id, t.id, t.take, %(line_state)s FROM reservation r, target t
  RETURNING id
), event AS (
  INSERT INTO {OutboxEvent._meta.db_table} (topic, payload, created_at, status, done_handlers, attempts, last_error)
  SELECT %(topic)s, %(payload)s::jsonb, %(now)s, %(event_status)s, '[]'::jsonb, 0, ''
  FROM reservation
  RETURNING id
), written AS (
  SELECT (SELECT go FROM verdict) AS go, (SELECT id FROM reservation) AS reservation_id,
         (SELECT id FROM event) AS event_id, (SELECT count(*) FROM held) AS lines
)"""
_QUEUE = f""", queued AS (
  SELECT count(*) AS rows FROM (
    SELECT pg_advisory_xact_lock({STOCK_QUEUE}, (id & {_ROW_KEY_MASK})::int) FROM target
    WHERE (SELECT reservation_id FROM written) IS NOT NULL
    ORDER BY id
  ) q
)"""
_LOCK_IN_ORDER = f""", locked AS (
  SELECT s.id FROM {StockLevel._meta.db_table} s
  WHERE s.id IN (SELECT id FROM target) AND (SELECT rows FROM queued) > 0
  ORDER BY s.id
  FOR NO KEY UPDATE
)"""
_RAISE_RESERVED = f""", changed AS (
  UPDATE {StockLevel._meta.db_table} s
  SET reserved = CASE WHEN s.on_hand - s.reserved - t.floor >= t.take THEN s.reserved + t.take
                      ELSE s.on_hand + 1 END,
      updated_at = %(now)s
  FROM target t{{locked}}
  WHERE s.id = t.id AND {{condition}}
  RETURNING s.id
)
SELECT w.go, w.reservation_id, w.event_id, w.lines, (SELECT count(*) FROM changed) FROM written w
"""
_RESERVE_ONE_ROW = _FIND_AND_WRITE + _QUEUE + _RAISE_RESERVED.format(locked="", condition="(SELECT rows FROM queued) > 0")
_RESERVE_ROWS = _FIND_AND_WRITE + _QUEUE + _LOCK_IN_ORDER + _RAISE_RESERVED.format(locked=", locked l",
                                                                                   condition="l.id = t.id")
STOCK_WITHIN_ON_HAND = "stock_reserved_within_on_hand"


class GaveWay(Exception):
    """The one-statement reservation wrote nothing: a row is missing or does not cover its units
    (on the statement's snapshot, or on its newest version once locked)."""


def reserve_at_once(*, reservation, plan: list[tuple[str, str, int]], event) -> tuple[int | None, int | None]:
    """Run the one-statement reservation (PostgreSQL only) for `plan`: (SKU, location code, units),
    one entry per stock row. Returns (reservation id, event id), both None when
    `reservation.reference` already holds an active reservation (nothing written). Raises GaveWay
    when the stock cannot be taken as planned (nothing written).

    Prepared once per connection (queries.fetch_prepared)."""
    import psycopg

    params = {
        "skus": [sku for sku, _, _ in plan], "codes": [code for _, code, _ in plan],
        "takes": [take for _, _, take in plan], "channel": reservation.channel_id,
        "public_id": reservation.public_id, "reference": reservation.reference, "status": reservation.status,
        "now": reservation.created_at, "expires_at": reservation.expires_at, "actor": reservation.actor,
        "line_state": "held", "topic": event.topic, "payload": event.payload_json, "event_status": event.status,
    }
    try:
        [(go, reservation_id, event_id, lines, changed)] = queries.fetch_prepared(
            _RESERVE_ONE_ROW if len(plan) == 1 else _RESERVE_ROWS, params)
    except psycopg.errors.CheckViolation as error:
        if error.diag.constraint_name == STOCK_WITHIN_ON_HAND:
            raise GaveWay from error
        raise
    if not go:
        raise GaveWay
    if reservation_id is not None and (lines, changed) != (len(plan), len(plan)):
        # Cannot happen: every row was found, written and changed, or the statement aborted.
        raise RuntimeError(f"reserve_at_once wrote {lines} lines and changed {changed} rows of {len(plan)}")
    return reservation_id, event_id

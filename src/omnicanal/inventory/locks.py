"""Every SELECT … FOR UPDATE of the inventory domain, in one fixed order.

The order, everywhere: a reservation or transfer row first (when the operation has one), then stock
rows by primary key, all in one statement. Two transactions that need overlapping stock rows
therefore queue on the lowest common row instead of deadlocking. `of=("self",)` locks only the stock
rows, never the joined variant or location (which would serialise every reservation at a location).

Stock rows are locked FOR NO KEY UPDATE: we never change their keys, and the weaker lock does not
wait for the KEY SHARE that PostgreSQL takes on a stock row when another transaction inserts a
reservation line or movement pointing at it.

SQLite has no row locks: there every write transaction takes the database write lock at BEGIN
(`transaction_mode=IMMEDIATE`), which serialises the same critical sections.
"""

from __future__ import annotations

from django.db.models import QuerySet

from omnicanal.inventory.models import Reservation, StockLevel, Transfer

STOCK_FIELDS = ("pk", "variant_id", "location_id", "on_hand", "reserved")


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



def _case(values: dict[int, int], params: list) -> str:
    whens = []
    for pk, value in values.items():
        whens.append("WHEN %s THEN %s")
        params.extend([pk, value])
    return f"CASE id {' '.join(whens)} ELSE 0 END"


def reserve_rows(*, lock_ids, changes: dict[int, int], floors: dict[int, int], now) -> tuple[dict[int, dict], set[int]]:
    """The reserve hot path's lock, in ONE statement: lock every candidate stock row in primary-key
    order (SELECT … FOR NO KEY UPDATE) and add `changes[pk]` to reserved wherever
    on_hand − reserved − floors[pk] still covers it. Returns the rows as locked (before the change)
    and the ids changed.

    One statement, so no client round trip happens while the locks are held before the COMMIT: under
    a saturated CPU a lock holder waiting for its turn to run would stall every other client of the
    SKU. On SQLite (no row locks; the write lock was taken at BEGIN IMMEDIATE) a read and an UPDATE."""
    from django.db import connection

    table = connection.ops.quote_name(StockLevel._meta.db_table)
    lock_ids = sorted(set(lock_ids))
    taken = list(changes)
    params: list = []
    if connection.vendor == "postgresql":
        locked = (f"SELECT id, on_hand, reserved FROM {table} WHERE id IN ({', '.join(['%s'] * len(lock_ids))}) "
                  "ORDER BY id FOR NO KEY UPDATE")
        params.extend(lock_ids)
        increment = _case(changes, params)
        params.append(now)
        params.extend(taken)
        floor = _case(floors, params).replace("CASE id", "CASE l.id")
        need = _case(changes, params).replace("CASE id", "CASE l.id")
        sql = (
            f"WITH locked AS ({locked}), changed AS ("
            f"UPDATE {table} s SET reserved = s.reserved + {increment.replace('CASE id', 'CASE s.id')}, "
            "updated_at = %s FROM locked l "
            f"WHERE s.id = l.id AND s.id IN ({', '.join(['%s'] * len(taken))}) "
            f"AND l.on_hand - l.reserved - {floor} >= {need} RETURNING s.id) "
            "SELECT l.id, l.on_hand, l.reserved, l.id IN (SELECT id FROM changed) FROM locked l ORDER BY l.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return ({pk: {"pk": pk, "on_hand": on_hand, "reserved": reserved} for pk, on_hand, reserved, _ in rows},
                {pk for pk, _, _, changed in rows if changed})
    fresh = {r["pk"]: r for r in stock_rows(lock_ids)}
    fits = {pk: q for pk, q in changes.items()
            if pk in fresh and fresh[pk]["on_hand"] - fresh[pk]["reserved"] - floors.get(pk, 0) >= q}
    if fits:
        increment = _case(fits, params)
        params.append(now)
        params.extend(fits)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET reserved = reserved + {increment}, updated_at = %s "
                           f"WHERE id IN ({', '.join(['%s'] * len(fits))})", params)
    return fresh, set(fits)

"""The one way to add to the rollups' cells (RollupCell), shared by services.py and order_rollups.py:
the deltas of the hour's, the day's and the month's cell per metric (UTC), summed per cell and
added with one upsert (created when missing), in one sorted order for every writer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connections, router

from omnicanal.analytics.models import GRAINS, Grain, RollupCell

# (grain, bucket, channel, location, metric): one RollupCell
Key = tuple[str, dt.datetime, str, str, str]
Sums = dict[Key, Decimal]
CHUNK = 150  # rows per upsert statement: 150 x 6 parameters stays under SQLite's old 999 limit


def buckets(at: dt.datetime) -> tuple[tuple[str, dt.datetime], ...]:
    """The UTC hour, day and month `at` falls in (every cell a metric is added to, finest first)."""
    utc = at.astimezone(dt.UTC)
    hour = utc.replace(minute=0, second=0, microsecond=0)
    return ((Grain.HOUR, hour), (Grain.DAY, hour.replace(hour=0)), (Grain.MONTH, hour.replace(day=1, hour=0)))


def sums() -> Sums:
    return defaultdict(Decimal)


def collect(into: Sums, *, at: dt.datetime, channel: str, location: str, deltas: dict[str, Decimal]) -> None:
    """Add the deltas to the hour's, day's and month's cells in `into` (written later by `apply`)."""
    for grain, bucket in buckets(at):
        for metric, delta in deltas.items():
            if delta:
                into[(grain, bucket, channel, location, metric)] += delta


def _order(key: Key) -> tuple:
    grain, bucket, channel, location, metric = key
    return GRAINS.index(grain), bucket, channel, location, metric


def apply(summed: Sums) -> None:
    """Add every cell's summed delta once, hour cells before day and month ones and then by bucket,
    channel, location and metric: every writer takes the cells' row locks in this one order, so
    concurrent drains queue on a cell but never deadlock. A delta summing to nothing writes nothing."""
    keys = sorted((key for key, delta in summed.items() if delta), key=_order)
    upsert_add(RollupCell, ("grain", "bucket", "channel", "location", "metric"), ("value",),
               [(*key, summed[key]) for key in keys])


def add(*, at: dt.datetime, channel: str, location: str, deltas: dict[str, Decimal]) -> None:
    summed = sums()
    collect(summed, at=at, channel=channel, location=location, deltas=deltas)
    apply(summed)


def upsert_add(model, keys: Sequence[str], values: Sequence[str], rows: Iterable[tuple]) -> None:
    """For each row (its key fields, then its value fields): insert it, or add its values to the row
    of that key (one statement per CHUNK rows, in the rows' order). Raw SQL because Django's
    bulk_create(update_conflicts=True) can only set a column, not add to it; INSERT ... ON CONFLICT
    DO UPDATE is atomic on both databases, so a concurrent writer creating the row first is no race."""
    rows = list(rows)
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in (*keys, *values)]
    columns = ", ".join(qn(field.column) for field in fields)
    conflict = ", ".join(qn(model._meta.get_field(name).column) for name in keys)
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}"
                        for c in (model._meta.get_field(name).column for name in values))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            params = [field.get_db_prep_save(value, connection) for row in chunk
                      for field, value in zip(fields, row, strict=True)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} "  # noqa: S608
                           f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}", params)

"""The customers' day packs (CustomerDayPack): each closed UTC day's CustomerHour rows folded per
customer into four columns of integers (a dense customer key, live orders, spend in hundredths, the
channels with an order as a ChannelBit mask), stored as one blob and read with numpy. The
distinct-customer KPIs of an unfiltered period of whole UTC hours (repeat_rate,
customers_by_channels_used) concatenate the period's packs and fold them per customer with
`np.bincount` rather than a SQL GROUP BY over ~1M rows a year (PostgreSQL's per-row aggregate is
the floor there: issue 19; docs/analytics.md, "The customers' day packs").

A pack is only ever served clean: a handler that changes a closed day's CustomerHour rows marks the
day's pack dirty in the same transaction (`mark_dirty`, an upsert that waits for a build in
progress), and the reader reads a dirty or missing day, today and the period's ragged hours live
from CustomerHour. The worker builds the closed days' packs (`do_build_day_packs`: periodic task,
after a rebuild, migration 0009), a day only once it has been closed for GRACE, so that a handler
that decided "today" just before midnight has committed before its day is read."""

from __future__ import annotations

import datetime as dt
import secrets
import struct
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from django.db import connections, transaction
from django.db.models import Min, Q, Sum

from omnicanal.analytics import tiling
from omnicanal.analytics.customer_months import cents
from omnicanal.analytics.models import ChannelBit, CustomerDayPack, CustomerHour, CustomerKey, Grain
from omnicanal.core import clock

LAYOUT = 1  # the blob's layout below; a pack of another layout is rebuilt, never read
MAGIC = b"CDP1"
HEADER = struct.Struct("<4sI4B")  # magic, rows, each column's integer width in bytes
DAY = dt.timedelta(days=1)
GRACE = dt.timedelta(hours=1)  # a day is packed once closed this long (a handler's transaction is far shorter)
EXACT = 2 ** 53  # float64 sums integers exactly below this (np.bincount's weights)
CHUNK = 900  # ids per `IN (...)`: SQLite's variable limit
MEMO_DAYS = 1500  # decoded packs kept per process, keyed by (day, version): about four years

# keys, orders, spend in hundredths, channel masks: one entry per customer (of a day, or a period)
Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
# (channels used, customers, spend in hundredths, customers with two orders or more): customer_months.Group
Group = tuple[int, int, int, int]

_memo: OrderedDict[tuple[dt.datetime, int], Columns] = OrderedDict()


@dataclass(frozen=True)
class Tables:
    """The models the builder reads and writes (migration 0009 passes its historical ones)."""

    hour: Any = CustomerHour
    pack: Any = CustomerDayPack
    key: Any = CustomerKey
    bit: Any = ChannelBit


# --- the blob ------------------------------------------------------------------------------------

def _width(column: np.ndarray) -> int:
    """The fewest bytes (1, 2, 4, 8) of a signed integer that hold every value of the column."""
    if not len(column):
        return 1
    low, high = int(column.min()), int(column.max())
    return next(w for w in (1, 2, 4, 8) if -(1 << (8 * w - 1)) <= low and high < (1 << (8 * w - 1)))


def encode(columns: Columns) -> bytes:
    """The columns as one blob: a header, then each column as little-endian integers of its width."""
    widths = [_width(column) for column in columns]
    body = b"".join(column.astype(f"<i{w}").tobytes() for column, w in zip(columns, widths, strict=True))
    return HEADER.pack(MAGIC, len(columns[0]), *widths) + body


def decode(blob: bytes | memoryview) -> Columns:
    magic, n, *widths = HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise ValueError("not a customers' day pack")
    out, offset = [], HEADER.size
    for width in widths:
        out.append(np.frombuffer(blob, dtype=f"<i{width}", count=n, offset=offset))
        offset += n * width
    keys, orders, spend, masks = out
    return keys, orders, spend, masks


# --- folding rows per customer -------------------------------------------------------------------

def fold(rows: Iterable[tuple[int, int, int, int]]) -> Columns:
    """(key, orders, spend in hundredths, channel mask) rows → one entry per key, in key order."""
    per: dict[int, list[int]] = {}
    for key, orders, spend, mask in rows:
        entry = per.setdefault(key, [0, 0, 0])
        entry[0] += orders
        entry[1] += spend
        entry[2] |= mask
    keys = sorted(per)
    return (np.array(keys, dtype=np.int64), np.array([per[k][0] for k in keys], dtype=np.int64),
            np.array([per[k][1] for k in keys], dtype=np.int64), np.array([per[k][2] for k in keys], dtype=np.int64))


def _key_map(customers: Iterable[str], tables: Tables, *, create: bool) -> dict[str, int]:
    """The customers' dense keys (CustomerKey), given now to those without one when `create`."""
    wanted = sorted(set(customers))
    if create and wanted:
        tables.key.objects.bulk_create([tables.key(customer_id=c) for c in wanted], ignore_conflicts=True,
                                       batch_size=CHUNK)
    found: dict[str, int] = {}
    for i in range(0, len(wanted), CHUNK):
        found.update(tables.key.objects.filter(customer_id__in=wanted[i:i + CHUNK]).values_list("customer_id", "pk"))
    return found


def _bit_map(channels: Iterable[str], tables: Tables) -> dict[str, int]:
    """The channels' bits, given now (the next free one, as customer_months.bit_of) to those without."""
    bits = dict(tables.bit.objects.values_list("channel", "bit"))
    for channel in sorted(set(channels) - set(bits)):
        if tables.bit is ChannelBit:
            from omnicanal.analytics.customer_months import bit_of  # the one writer of the live table's bits

            bits[channel] = bit_of(channel)
        else:  # the migration's historical model, alone on the database
            bits[channel] = max(bits.values(), default=-1) + 1
            tables.bit.objects.create(channel=channel, bit=bits[channel])
    return bits


# --- the writers ---------------------------------------------------------------------------------

def day_of(at: dt.datetime) -> dt.datetime:
    return tiling.floor(at, Grain.DAY)


def mark_dirty(*buckets: dt.datetime) -> None:
    """CustomerHour rows of these buckets' days change (in the caller's transaction): each closed
    day's pack is dirty from now on (created dirty when there is none, so that a build in progress
    waits for this transaction and a later one sees the change), all in one statement, in day
    order. An open day has no pack."""
    now = clock.now()
    days = sorted({day for day in map(day_of, buckets) if day + DAY <= now})
    if days:
        CustomerDayPack.objects.bulk_create([CustomerDayPack(day=day, dirty=True) for day in days],
                                            update_conflicts=True, unique_fields=["day"], update_fields=["dirty"])


def _build(day: dt.datetime, tables: Tables, keys: dict[str, int]) -> None:
    """(Re)build one day's pack from its hour rows, under the pack row's lock."""
    tables.pack.objects.bulk_create([tables.pack(day=day, dirty=True)], ignore_conflicts=True)
    pack = tables.pack.objects.select_for_update().get(day=day)  # read the hours after any marking handler
    rows = list(tables.hour.objects.filter(bucket__gte=day, bucket__lt=day + DAY, orders__gt=0)
                .values_list("customer_id", "channel", "orders", "spend"))
    missing = {customer for customer, *_ in rows} - set(keys)
    if missing:
        keys.update(_key_map(missing, tables, create=True))
    bits = _bit_map({channel for _, channel, _, _ in rows}, tables)
    columns = fold((keys[customer], orders, cents(spend), 1 << bits[channel])
                   for customer, channel, orders, spend in rows)
    pack.blob, pack.layout, pack.dirty = encode(columns), LAYOUT, False
    pack.version = secrets.randbits(62)  # never a former build's, even after the packs were deleted (a rebuild)
    pack.built_at = clock.now()
    pack.save(update_fields=["blob", "layout", "dirty", "version", "built_at"])


def days_to_build(tables: Tables = Tables(), now: dt.datetime | None = None) -> list[dt.datetime]:
    """The closed days (GRACE ago) from the first customer hour on whose pack is missing, dirty or
    of an older layout."""
    first = tables.hour.objects.aggregate(first=Min("bucket"))["first"]
    if first is None:
        return []
    first, cutoff = day_of(first), day_of((now or clock.now()) - GRACE) - DAY  # the last whole day GRACE ago
    clean = set(tables.pack.objects.filter(day__gte=first, day__lte=cutoff, dirty=False, layout=LAYOUT)
                .values_list("day", flat=True))
    days, day = [], first
    while day <= cutoff:
        if day not in clean:
            days.append(day)
        day += DAY
    return days


def do_build_day_packs(tables: Tables = Tables(), now: dt.datetime | None = None,
                       keys: dict[str, int] | None = None) -> int:
    """Build the packs `days_to_build` names, a transaction per day (`keys`: the customers' keys
    known already). Answers how many."""
    keys = {} if keys is None else keys
    days = days_to_build(tables, now)
    for day in days:
        with transaction.atomic():
            _build(day, tables, keys)
    return len(days)


def forget() -> None:
    """Drop this process's decoded packs (the bench's cold reads; tests)."""
    _memo.clear()


# --- the reader ----------------------------------------------------------------------------------

def _packs(start: dt.datetime, end: dt.datetime, *, memo: bool) -> dict[dt.datetime, Columns]:
    """The clean packs of the whole UTC days in [start, end), decoded (from the memo when there)."""
    rows = CustomerDayPack.objects.filter(day__gte=start, day__lt=end, dirty=False, layout=LAYOUT)
    out: dict[dt.datetime, Columns] = {}
    if memo and _memo:
        for day, version in rows.values_list("day", "version"):
            if (day, version) in _memo:
                _memo.move_to_end((day, version))
                out[day] = _memo[(day, version)]
        rows = rows.exclude(day__in=list(out)) if out else rows
    for day, version, blob in _blobs(rows):
        out[day] = decode(blob)
        if memo:
            _memo[(day, version)] = out[day]
            while len(_memo) > MEMO_DAYS:
                _memo.popitem(last=False)
    return out


def _blobs(rows) -> list[tuple[dt.datetime, int, bytes]]:
    """(day, version, blob) of the packs `rows` selects. On PostgreSQL in binary: Django's cursors
    bind on the client, which returns a bytea as hex text, and a year's ~10 MB encoded on the server
    and decoded here cost as much as the rest of the read (measured: 54 against 24 ms)."""
    rows = rows.values_list("day", "version", "blob")
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return list(rows)
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # a server-binding cursor: results in binary
        cursor.execute(sql, params, binary=True, prepare=False)  # never a prepared statement (poolers)
        return cursor.fetchall()


def _live_ranges(start: dt.datetime, end: dt.datetime, packed: set[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """[start, end) less the packed days, as few ranges as can be."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    at = start
    for day in sorted(packed):
        if at < day:
            out.append((at, day))
        at = day + DAY
    if at < end:
        out.append((at, end))
    return out


def _live(ranges: list[tuple[dt.datetime, dt.datetime]], above: int) -> Columns | None:
    """The ranges' CustomerHour rows per customer and channel, keyed and masked as the packs are (a
    customer or channel no pack has seen yet gets a key above `above`, a bit above the known ones)."""
    if not ranges:
        return None
    where = Q()
    for low, high in ranges:
        where |= Q(bucket__gte=low, bucket__lt=high)
    rows = list(CustomerHour.objects.filter(where, orders__gt=0).values("customer_id", "channel")
                .annotate(placed=Sum("orders"), spent=Sum("spend")).order_by()
                .values_list("customer_id", "channel", "placed", "spent"))
    if not rows:
        return None
    keys = _key_map((customer for customer, *_ in rows), Tables(), create=False)
    above = max([above, *keys.values()])
    for customer in sorted({customer for customer, *_ in rows} - set(keys)):
        above += 1
        keys[customer] = above
    bits = dict(ChannelBit.objects.values_list("channel", "bit"))
    for channel in sorted({channel for _, channel, _, _ in rows} - set(bits)):
        bits[channel] = max(bits.values(), default=-1) + 1  # in memory only: a bit for this read
    return fold((keys[customer], placed, cents(spent), 1 << bits[channel]) for customer, channel, placed, spent in rows)


def groups(parts: list[Columns]) -> list[Group]:
    """Per number of channels used: customers, their spend, those with two orders or more (the
    parts' entries summed per key: orders, spend; channel masks OR-ed)."""
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return []
    # keys as indices; the other columns keep their narrow widths (bincount reads its weights as
    # float64 anyway, and OR-ing narrow masks is cheaper): a year is ~1M entries, this is most of its time
    keys = np.concatenate([part[0] for part in parts], dtype=np.intp)
    orders, spend, masks = (np.concatenate([part[i] for part in parts]) for i in (1, 2, 3))
    size = int(keys.max()) + 1
    placed = np.bincount(keys, weights=orders, minlength=size)
    exact = int(np.abs(spend).sum()) < EXACT  # float64 sums of these integers are exact (any partial sum too)
    channels = np.zeros(size, dtype=masks.dtype)  # the masks are never negative (_width keeps the sign bit free)
    np.bitwise_or.at(channels, keys, masks)
    seen = placed > 0
    used = np.bitwise_count(channels[seen]).astype(np.intp)
    count = np.bincount(used)
    repeat = np.bincount(used, weights=placed[seen] >= 2)
    if exact:
        spent = np.bincount(keys, weights=spend, minlength=size)
        spend_by = np.rint(np.bincount(used, weights=spent[seen])).astype(np.int64)
    else:  # beyond float64's exact integers: the slower exact sums
        per_key = np.zeros(size, dtype=np.int64)
        np.add.at(per_key, keys, spend)
        spend_by = np.zeros(len(count), dtype=np.int64)
        np.add.at(spend_by, used, per_key[seen])
    return [(u, int(count[u]), int(spend_by[u]), int(round(repeat[u]))) for u in range(len(count)) if count[u]]


def customers_table(start: dt.datetime, end: dt.datetime, *, memo: bool = True) -> list[Group] | None:
    """customer_months.customers_table's groups for [start, end) (any period, every channel and
    location): the clean packs of its whole UTC days, the rest read live. None when no pack covers
    any of it (the caller reads the rows in SQL: nothing to gain here)."""
    packs = _packs(tiling.ceil(start, Grain.DAY), tiling.floor(end, Grain.DAY), memo=memo)
    if not packs:
        return None
    above = max((int(keys.max()) for keys, *_ in packs.values() if len(keys)), default=0)
    live = _live(_live_ranges(start, end, set(packs)), above)
    return groups([*packs.values(), *([live] if live is not None else [])])


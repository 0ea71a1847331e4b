"""Which rollup cells a period reads: the coarsest UTC cells that tile it exactly (months inside,
days up to the months, hours only at the ragged ends), so a year reads a dozen months rather than
8,760 hours or 365 days of cells, and a period cut at another zone's midnights is still exact.

Cells are cut in UTC (cells.buckets). A period whose ends are whole hours (every whole-hour zone's
midnights) is exact: at most 23 hours and 30 days of cells at each end, whole UTC months between.
Days and months are only exact in the zone they were cut in, so the reader's zone never picks the
cells: it only moves the ends, and the hours at the edges make up the difference."""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.db.models import Q

from omnicanal.analytics.models import Grain

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a UTC midnight starting a month
COARSEST_FIRST = (Grain.MONTH, Grain.DAY, Grain.HOUR)
UNITS: dict[str, dt.timedelta] = {Grain.HOUR: dt.timedelta(hours=1), Grain.DAY: dt.timedelta(days=1)}

Tile = tuple[str, dt.datetime, dt.datetime]  # (grain, first bucket, end excluded)


def floor(at: dt.datetime, grain: str) -> dt.datetime:
    """The start of the UTC hour, day or month `at` falls in."""
    utc = at.astimezone(dt.UTC)
    if grain == Grain.MONTH:
        return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return utc - (utc - EPOCH) % UNITS[grain]


def ceil(at: dt.datetime, grain: str) -> dt.datetime:
    """The first start of a UTC hour, day or month at or after `at`."""
    start = floor(at, grain)
    if start == at:
        return start
    if grain == Grain.MONTH:
        return (start + dt.timedelta(days=32)).replace(day=1)
    return start + UNITS[grain]


def tiling_rank(grain: str) -> int:
    """0 for hours, 1 for days, 2 for months (coarser is higher)."""
    return len(COARSEST_FIRST) - 1 - COARSEST_FIRST.index(grain)


def whole(at: dt.datetime, grain: str) -> bool:
    return floor(at, grain) == at


def single_grain(start: dt.datetime, end: dt.datetime) -> str | None:
    """The coarsest grain whose cells alone tile [start, end) (month, day or hour), or None when its
    ends are not whole UTC hours (a half-hour zone's midnight: the raw facts answer)."""
    for grain in COARSEST_FIRST:
        if whole(start, grain) and whole(end, grain):
            return grain
    return None


def tiles(start: dt.datetime, end: dt.datetime, coarsest: str = Grain.MONTH) -> list[Tile]:
    """[start, end) (whole UTC hours) as cells of `coarsest` in the middle and finer ones at the
    edges: (grain, from, to) ranges of buckets, disjoint, covering the period exactly."""
    grains = COARSEST_FIRST[COARSEST_FIRST.index(coarsest):]
    return _tiles(start.astimezone(dt.UTC), end.astimezone(dt.UTC), grains)


def _tiles(start: dt.datetime, end: dt.datetime, grains: tuple[str, ...]) -> list[Tile]:
    if start >= end:
        return []
    grain, finer = grains[0], grains[1:]
    if not finer:  # hours: the ends are whole hours (finest_grain said so)
        return [(grain, start, end)]
    lo, hi = ceil(start, grain), floor(end, grain)
    if lo >= hi:  # not one whole cell of this grain inside
        return _tiles(start, end, finer)
    return [*_tiles(start, lo, finer), (grain, lo, hi), *_tiles(hi, end, finer)]


def cells_of(start: dt.datetime, end: dt.datetime, coarsest: str = Grain.MONTH) -> Q | None:
    """The filter on (grain, bucket) that reads [start, end) through its tiles (None: no cell)."""
    parts = [Q(grain=grain, bucket__gte=lo, bucket__lt=hi) for grain, lo, hi in tiles(start, end, coarsest)]
    return functools.reduce(operator.or_, parts) if parts else None

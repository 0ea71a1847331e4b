"""Fixed-bucket histograms of minutes (HdrHistogram-like), so that percentiles add up: a rollup cell
counts the conversations whose first response (or resolution) fell in one bucket, and the p50/p90
of any period, channel and location is read off the summed buckets.

Buckets are log-spaced, each 5 % wider than the one before: bucket 0 holds [0, 1 second), bucket k
holds [FLOOR·GROWTH^(k-1), FLOOR·GROWTH^k). A value is known to one bucket, so a percentile read off
the histogram is within one bucket's width of the exact one: within 5 % (and within a second below a
second). bench/bench_analytics.py computes the same bucket in SQL (`bucket_sql`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

GROWTH = 1.05  # each bucket 5 % wider than the one before: the precision
FLOOR = 1 / 60  # one second, in minutes: bucket 0 is [0, FLOOR)
LAST = 400  # FLOOR·GROWTH^400 ≈ 9 years: anything longer shares the last bucket


def bucket(minutes: float) -> int:
    """The bucket a (non-negative) number of minutes falls in."""
    if minutes < FLOOR:
        return 0
    return min(LAST, 1 + math.floor(math.log(minutes / FLOOR) / math.log(GROWTH)))


def bounds(index: int) -> tuple[float, float]:
    """[lower, upper) of a bucket, in minutes."""
    if index <= 0:
        return 0.0, FLOOR
    return FLOOR * GROWTH ** (index - 1), FLOOR * GROWTH ** index


def bucket_sql(minutes_sql: str) -> str:
    """The same bucket computed by PostgreSQL (the benchmark's bulk seeding)."""
    return (f"CASE WHEN ({minutes_sql}) < {FLOOR!r} THEN 0 ELSE LEAST({LAST}, "
            f"1 + floor(ln(({minutes_sql}) / {FLOOR!r}) / ln({GROWTH!r}))::int) END")


def _value_at(ordered: list[tuple[int, int]], position: int, bounds_of) -> float:
    """The position-th smallest value (0-based), its bucket's count spread evenly across the bucket."""
    seen = 0
    for index, count in ordered:
        if position < seen + count:
            lower, upper = bounds_of(index)
            return lower + (upper - lower) * (position - seen + 0.5) / count
        seen += count
    raise IndexError(position)


def percentile(counts: Mapping[int, int], q: float, bounds_of=bounds) -> float | None:
    """The q-th quantile (0–1) of a histogram {bucket: count}, interpolated linearly between the
    closest ranks like raw.percentile; None when it counts nothing. Rounded to hundredths.
    `bounds_of`: the histogram's bucket shape (these buckets by default; the order rollups' cycle
    times start at a minute, order_rollups.bucket_range)."""
    ordered = sorted((index, count) for index, count in counts.items() if count > 0)
    n = sum(count for _, count in ordered)
    if not n:
        return None
    rank = (n - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    at_low = _value_at(ordered, low, bounds_of)
    value = at_low + (_value_at(ordered, high, bounds_of) - at_low) * (rank - low)
    return round(value, 2)


def summary(counts: Mapping[int, int]) -> dict[str, float | None]:
    """{p50, p90, count} of a histogram (the shape of raw's cycle times)."""
    return {"p50": percentile(counts, 0.5), "p90": percentile(counts, 0.9),
            "count": sum(count for count in counts.values() if count > 0)}


def of(values: Iterable[float]) -> dict[int, int]:
    """The histogram of some values."""
    counts: dict[int, int] = {}
    for value in values:
        index = bucket(value)
        counts[index] = counts.get(index, 0) + 1
    return counts


def estimate(values: Iterable[float], q: float) -> float | None:
    """What the histogram answers for the q-th quantile of these exact values (tests compare with it)."""
    return percentile(of(values), q)

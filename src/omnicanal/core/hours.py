"""Opening hours and business hours: one type (`Week`) and one parser for every domain.

A schedule is a JSON object keyed by a day or a range of days (`mon` … `sun`, `mon-fri`), read in
the place's own time zone. The parser reads both stored forms:

- text, as locations store them: {"mon-fri": "10:00-20:00", "sat": "10:00-14:00,16:00-20:00",
  "sun": "closed"}
- pairs, as service teams store them: {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]}

A day that is absent is closed; "24:00" closes at midnight. What an empty schedule means is the
caller's: a location without hours is never open for pickup, a team without hours counts the clock
around (`add_business_minutes`, `is_open_or_always`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import zoneinfo

from omnicanal.core.errors import ValidationFailed

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_MAX_DAYS = 366

Span = tuple[dt.time, dt.time]
Week = tuple[tuple[Span, ...], ...]  # per weekday (Monday first), open spans in order


def check_timezone(name: str, field: str = "timezone") -> zoneinfo.ZoneInfo:
    try:
        return zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationFailed.on(field, f"unknown time zone {name!r}") from exc


@functools.lru_cache(maxsize=256)
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _days(key: str, field: str) -> list[int]:
    parts = key.strip().lower().split("-")
    if len(parts) == 1 and parts[0] in DAYS:
        return [DAYS.index(parts[0])]
    if len(parts) == 2 and parts[0] in DAYS and parts[1] in DAYS:
        start, end = DAYS.index(parts[0]), DAYS.index(parts[1])
        return [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    raise ValidationFailed.on(field, f"{key!r} is not a day or a range of days (mon-fri)")


def _time(text: str, field: str, where: str) -> dt.time:
    if text == "24:00":
        return dt.time.max
    try:
        return dt.time.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed.on(field, f"{where}: {text!r} is not a time such as 09:00") from exc


def _text_spans(value: str, field: str) -> list[Span]:
    if value.strip().lower() in ("", "closed"):
        return []
    spans = []
    for part in value.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            raise ValidationFailed.on(field, f"{part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = dt.time(h1, m1), dt.time.max if h2 == 24 else dt.time(h2, m2)
        if end <= start:
            raise ValidationFailed.on(field, f"{part!r} closes before it opens")
        spans.append((start, end))
    return spans


def _pair_spans(key: str, value: list, field: str) -> list[Span]:
    spans = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(t, str) for t in pair):
            raise ValidationFailed.on(field, f"{key}: each span is [\"09:00\", \"18:00\"]")
        start, end = _time(pair[0], field, key), _time(pair[1], field, key)
        if start >= end:
            raise ValidationFailed.on(field, f"{key}: {pair[0]} is not before {pair[1]}")
        spans.append((start, end))
    return spans


def parse(hours: dict, *, field: str = "opening_hours") -> Week:
    """The week a schedule stands for, in either stored form; a 422 on `field` when it is malformed."""
    if not isinstance(hours, dict):
        raise ValidationFailed.on(field, "must be an object such as {\"mon-fri\": \"10:00-20:00\"}")
    week: list[list[Span]] = [[] for _ in DAYS]
    for key, value in hours.items():
        if isinstance(value, str):
            spans = _text_spans(value, field)
        elif isinstance(value, list):
            spans = _pair_spans(key, value, field)
        else:
            raise ValidationFailed.on(field, f"{key}: must be text such as 10:00-20:00")
        for day in _days(str(key), field):
            week[day] = spans
    return tuple(tuple(sorted(spans)) for spans in week)


@functools.lru_cache(maxsize=4096)
def _parsed(raw: str) -> Week:
    return parse(json.loads(raw))


def week_of(hours: dict | str) -> Week:
    """`parse`, remembered per schedule (most places share a handful of them)."""
    raw = hours if isinstance(hours, str) else json.dumps(hours, sort_keys=True)
    return _parsed(raw)


Overrides = dict[dt.date, tuple[Span, ...]]  # a date's own spans (a holiday: none), in the place's time zone


def spans_on(hours: dict | str, day: dt.date, overrides: Overrides | None = None) -> tuple[Span, ...]:
    """The open spans of one local date: its override when it has one (a holiday), else its weekday's."""
    if overrides and day in overrides:
        return overrides[day]
    return week_of(hours)[day.weekday()]


def is_open(hours: dict | str, timezone: str, at: dt.datetime, overrides: Overrides | None = None) -> bool:
    local = at.astimezone(zone(timezone))
    now = local.time()
    return any(start <= now < end for start, end in spans_on(hours, local.date(), overrides))


def open_later_today(hours: dict | str, timezone: str, at: dt.datetime, overrides: Overrides | None = None) -> bool:
    """Open now, or opening again before the local day ends: a customer can still collect today."""
    local = at.astimezone(zone(timezone))
    now = local.time()
    return any(now < end for _start, end in spans_on(hours, local.date(), overrides))


def is_open_or_always(hours: dict | None, timezone: str, at: dt.datetime) -> bool:
    """A team's hours: no schedule means always open."""
    return True if not hours else is_open(hours, timezone, at)


def add_business_minutes(start: dt.datetime, minutes: float, hours: dict | None, timezone: str) -> dt.datetime:
    """`minutes` of open time after `start` (an SLA's due time); no schedule counts the clock around."""
    if not hours:
        return start + dt.timedelta(minutes=minutes)
    week, tz = week_of(hours), zone(timezone)
    local = start.astimezone(tz)
    remaining = dt.timedelta(minutes=minutes)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for open_at, close_at in week[day.weekday()]:
            span_start = dt.datetime.combine(day, open_at, tzinfo=tz)
            span_end = dt.datetime.combine(day, close_at, tzinfo=tz)
            begin = max(span_start, local)
            if begin >= span_end:
                continue
            available = span_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(dt.UTC)
            remaining -= available
        day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)  # a schedule with no open hours: wall time


def business_minutes_between(start: dt.datetime, end: dt.datetime, hours: dict | None, timezone: str) -> float:
    """Open minutes from `start` to `end` (0 when `end` is not later): what is left of an SLA timer
    when it pauses, so that resuming it gives back exactly that much open time."""
    if end <= start:
        return 0
    if not hours:
        return (end - start).total_seconds() / 60
    week, tz = week_of(hours), zone(timezone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    total = dt.timedelta()
    day = local_start.date()
    while day <= local_end.date():
        for open_at, close_at in week[day.weekday()]:
            begin = max(dt.datetime.combine(day, open_at, tzinfo=tz), local_start)
            finish = min(dt.datetime.combine(day, close_at, tzinfo=tz), local_end)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60

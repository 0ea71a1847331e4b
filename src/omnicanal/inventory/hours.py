"""Opening hours: {"mon-fri": "10:00-20:00", "sat": "10:00-14:00,16:00-20:00", "sun": "closed"}.

Read in the location's own time zone, so that "pickup today" is true in Valparaíso's evening
and not in UTC's.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import zoneinfo

from omnicanal.core.errors import ValidationFailed

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")

Week = tuple[tuple[tuple[dt.time, dt.time], ...], ...]  # per weekday (Monday first), open spans


def check_timezone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return _zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.on("timezone", f"unknown time zone {name!r}") from exc


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _days(key: str) -> list[int]:
    parts = key.strip().lower().split("-")
    if len(parts) == 1 and parts[0] in DAYS:
        return [DAYS.index(parts[0])]
    if len(parts) == 2 and parts[0] in DAYS and parts[1] in DAYS:
        start, end = DAYS.index(parts[0]), DAYS.index(parts[1])
        return [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    raise ValidationFailed.on("opening_hours", f"{key!r} is not a day or a range of days (mon-fri)")


def _spans(value: str) -> tuple[tuple[dt.time, dt.time], ...]:
    if value.strip().lower() in ("", "closed"):
        return ()
    spans = []
    for part in value.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            raise ValidationFailed.on("opening_hours", f"{part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start = dt.time(h1, m1)
        end = dt.time(23, 59, 59) if h2 == 24 else dt.time(h2, m2)
        if end <= start:
            raise ValidationFailed.on("opening_hours", f"{part!r} closes before it opens")
        spans.append((start, end))
    return tuple(spans)


def parse(hours: dict) -> Week:
    if not isinstance(hours, dict):
        raise ValidationFailed.on("opening_hours", "must be an object such as {\"mon-fri\": \"10:00-20:00\"}")
    week: list[tuple] = [() for _ in DAYS]
    for key, value in hours.items():
        if not isinstance(value, str):
            raise ValidationFailed.on("opening_hours", f"{key}: must be text such as 10:00-20:00")
        for day in _days(key):
            week[day] = _spans(value)
    return tuple(week)


@functools.lru_cache(maxsize=4096)
def _parsed(raw: str) -> Week:
    return parse(json.loads(raw))


def week_of(hours: dict | str) -> Week:
    raw = hours if isinstance(hours, str) else json.dumps(hours, sort_keys=True)
    return _parsed(raw)


def is_open(hours: dict | str, timezone: str, at: dt.datetime) -> bool:
    local = at.astimezone(_zone(timezone))
    now = local.time()
    return any(start <= now < end for start, end in week_of(hours)[local.weekday()])


def open_later_today(hours: dict | str, timezone: str, at: dt.datetime) -> bool:
    """Open now, or opening again before the local day ends: a customer can still collect today."""
    local = at.astimezone(_zone(timezone))
    now = local.time()
    return any(now < end for _start, end in week_of(hours)[local.weekday()])

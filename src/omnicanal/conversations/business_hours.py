"""Business-hours arithmetic for SLA timers: "N working minutes after t" in a team's hours.

Hours read {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]} in the team's time zone;
a day that is absent is closed; empty hours mean around the clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 366


def _intervals(hours: dict, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    spans = []
    for start, end in hours.get(DAYS[day.weekday()], []) or []:
        spans.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end) if end != "24:00" else dt.time.max))
    return sorted(spans)


def check_hours(hours: dict) -> dict:
    """Raise ValueError on a malformed schedule; return it."""
    for day, spans in (hours or {}).items():
        if day not in DAYS:
            raise ValueError(f"unknown day {day!r}")
        for start, end in spans:
            if dt.time.fromisoformat(start) >= (dt.time.fromisoformat(end) if end != "24:00" else dt.time.max):
                raise ValueError(f"{day}: {start} is not before {end}")
    return hours


def add_business_minutes(start: dt.datetime, minutes: int, hours: dict | None, time_zone: str) -> dt.datetime:
    if not hours:
        return start + dt.timedelta(minutes=minutes)
    zone = zoneinfo.ZoneInfo(time_zone)
    local = start.astimezone(zone)
    remaining = dt.timedelta(minutes=minutes)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for open_at, close_at in _intervals(hours, day):
            span_start = dt.datetime.combine(day, open_at, tzinfo=zone)
            span_end = dt.datetime.combine(day, close_at, tzinfo=zone)
            begin = max(span_start, local)
            if begin >= span_end:
                continue
            available = span_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(dt.UTC)
            remaining -= available
        day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)  # a schedule with no open hours: wall time


def is_open(at: dt.datetime, hours: dict | None, time_zone: str) -> bool:
    if not hours:
        return True
    local = at.astimezone(zoneinfo.ZoneInfo(time_zone))
    return any(o <= local.time() < c for o, c in _intervals(hours, local.date()))

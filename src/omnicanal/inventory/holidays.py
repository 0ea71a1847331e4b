"""Holidays and special hours of locations, as the hours rule reads them (core.hours overrides).

A location's week (`opening_hours`) says when it opens; a LocationHoliday row replaces one local
date of it: no spans when closed, one span when it keeps special hours. Every customer-facing
reading of hours (open now, pickup today, the bot's and the tracking page's hours) goes through
`overrides_of`, so a holiday closes the store for all of them at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from omnicanal.core import hours
from omnicanal.inventory.models import LocationHoliday

HORIZON_DAYS = 7  # the exceptions a customer is told about: today and the next six days


def rows_of(location_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[int, list[LocationHoliday]]:
    """{location id: its holidays from `first` to `last`, by date} in one query."""
    out: dict[int, list[LocationHoliday]] = defaultdict(list)
    ids = list(location_ids)
    if not ids:
        return out
    for row in LocationHoliday.objects.filter(location_id__in=ids, date__gte=first, date__lte=last).order_by("date"):
        out[row.location_id].append(row)
    return out


def around(at: dt.datetime, days: int = 1) -> tuple[dt.date, dt.date]:
    """Dates wide enough to hold every time zone's local "today" (and `days` after it) at `at`."""
    utc = at.astimezone(dt.UTC).date()
    return utc - dt.timedelta(days=1), utc + dt.timedelta(days=days + 1)


def spans(row: LocationHoliday) -> tuple[hours.Span, ...]:
    if row.closed or row.opens is None or row.closes is None:
        return ()
    return ((row.opens, row.closes),)


def overrides_of(rows: Iterable[LocationHoliday]) -> hours.Overrides:
    return {row.date: spans(row) for row in rows}


def span_text(found: tuple[hours.Span, ...]) -> str:
    """"10:00–20:00, 21:00–24:00": the spans as a customer reads them."""
    return ", ".join(f"{a:%H:%M}–{'24:00' if b == dt.time.max else f'{b:%H:%M}'}" for a, b in found)

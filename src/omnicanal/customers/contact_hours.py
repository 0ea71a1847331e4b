"""When a customer may be reached for anything but a transactional message (marketing, surveys, review
requests): never inside the business's quiet hours, and only inside the customer's own contact hours
when they set some, both in the customer's time zone. Pure functions over plain values; customers'
queries apply them to a customer (`queries.quiet_until`), and every sender asks there: marketing's
campaigns and flows, feedback's due surveys and review requests.

Setting `OMNICANAL["QUIET_HOURS"]`: `("21:00", "09:00")` by default (local times; a range may wrap
midnight); `None` or `()` for none."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

DEFAULT_QUIET_HOURS = ("21:00", "09:00")


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    quiet = settings.OMNICANAL.get("QUIET_HOURS", DEFAULT_QUIET_HOURS)
    return (_time(quiet[0]), _time(quiet[1])) if quiet else None


@dataclass(frozen=True)
class Window:
    """When one customer may be reached: their zone, the business's quiet hours and their own contact
    hours (None: any time)."""

    zone: str
    quiet_from: dt.time | None
    quiet_to: dt.time | None
    contact_from: dt.time | None
    contact_to: dt.time | None


def window_for(*, time_zone: str, contact_from: dt.time | None, contact_to: dt.time | None) -> Window:
    quiet = quiet_hours()
    return Window(zone=time_zone or settings.OMNICANAL["TIME_ZONE"], quiet_from=quiet[0] if quiet else None,
                  quiet_to=quiet[1] if quiet else None, contact_from=contact_from, contact_to=contact_to)


def within(local: dt.time, start: dt.time, end: dt.time) -> bool:
    """Is a local time inside [start, end)? A range whose end comes first wraps midnight."""
    return start <= local < end if start <= end else (local >= start or local < end)


def is_open(window: Window, at: dt.datetime) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(window.zone)).time()
    if window.quiet_from is not None and window.quiet_to is not None and within(local, window.quiet_from, window.quiet_to):
        return False
    if window.contact_from is not None and window.contact_to is not None:
        return within(local, window.contact_from, window.contact_to)
    return True


def next_open(window: Window, at: dt.datetime) -> dt.datetime:
    """The first moment from `at` when the window is open: the end of the quiet hours or the start
    of the customer's contact hours, whichever comes first and is open (a held message goes then).
    Local wall times: a summer or winter day's end of quiet hours is the same 09:00 on the clock."""
    if is_open(window, at):
        return at
    zone = zoneinfo.ZoneInfo(window.zone)
    starts = [t for t in (window.quiet_to, window.contact_from) if t is not None]
    local = at.astimezone(zone)
    candidates = []
    for days in range(0, 3):
        day = local.date() + dt.timedelta(days=days)
        for start in starts:
            moment = dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC)
            if moment > at and is_open(window, moment):
                candidates.append(moment)
    # Contact hours inside quiet hours never open: asked again a day later (held, never dropped).
    return min(candidates) if candidates else at + dt.timedelta(days=1)

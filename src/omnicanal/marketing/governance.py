"""The rules every marketing send obeys that need no database: the settings (frequency cap, quiet
hours, attribution window), the control group draw, the customer's contact window and when it opens
next, and the templates' placeholders. Pure functions over plain values; campaigns.py applies them.

Settings (`OMNICANAL["MARKETING"]`, each optional):

| key | default | meaning |
|---|---|---|
| FREQUENCY_CAP_PER_WEEK | 3 | marketing messages a customer gets in any 7 days, all campaigns, reminders and flows together |
| QUIET_HOURS | ("21:00", "09:00") | no marketing between these local times in the customer's time zone; a send is held until they end |
| ATTRIBUTION_DAYS | 7 | an order this many days after the message (any channel) converts it, unless the campaign sets its own |
| COUPON_DAYS | 14 | how long a campaign's unique coupon is valid |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

DEFAULTS = {"FREQUENCY_CAP_PER_WEEK": 3, "QUIET_HOURS": ("21:00", "09:00"), "ATTRIBUTION_DAYS": 7, "COUPON_DAYS": 14}
CAP_WINDOW = dt.timedelta(days=7)
PLACEHOLDERS = ("name", "points", "coupon", "link", "products", "business")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
SMS_LIMIT = 160  # one GSM-7 segment


def setting(name: str):
    return (settings.OMNICANAL.get("MARKETING") or {}).get(name, DEFAULTS[name])


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class Window:
    """When marketing may reach one customer: their zone, the business's quiet hours and their own
    contact hours (None: any time)."""

    zone: str
    quiet_from: dt.time | None
    quiet_to: dt.time | None
    contact_from: dt.time | None
    contact_to: dt.time | None


def window_for(*, time_zone: str, contact_from: dt.time | None, contact_to: dt.time | None) -> Window:
    quiet = setting("QUIET_HOURS")
    quiet_from, quiet_to = (_time(quiet[0]), _time(quiet[1])) if quiet else (None, None)
    return Window(zone=time_zone or settings.OMNICANAL["TIME_ZONE"], quiet_from=quiet_from, quiet_to=quiet_to,
                  contact_from=contact_from, contact_to=contact_to)


def _within(local: dt.time, start: dt.time, end: dt.time) -> bool:
    return start <= local < end if start <= end else (local >= start or local < end)


def is_open(window: Window, at: dt.datetime) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(window.zone)).time()
    if window.quiet_from is not None and window.quiet_to is not None and _within(local, window.quiet_from, window.quiet_to):
        return False
    if window.contact_from is not None and window.contact_to is not None:
        return _within(local, window.contact_from, window.contact_to)
    return True


def next_open(window: Window, at: dt.datetime) -> dt.datetime:
    """The first moment from `at` when the window is open: the end of the quiet hours or the start
    of the customer's contact hours, whichever comes first and is open (a held send goes then)."""
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
    # Contact hours inside quiet hours never open: the quiet hours' end is the fallback.
    return min(candidates) if candidates else at + dt.timedelta(days=1)


def in_control(campaign_id: str, customer_id: str, percent: int) -> bool:
    """The random hold-out, drawn from a hash so that every process launching the campaign draws the
    same customers (and a relaunch does not reshuffle them)."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{campaign_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < percent * 100


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def render(text: str, context: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "")), text or "")


def fit_sms(body: str, stop: str) -> str:
    """One segment with the opt-out words at the end: the body is cut (…) to make room."""
    body = " ".join(body.split())
    if len(body) + 1 + len(stop) > SMS_LIMIT:
        body = body[: SMS_LIMIT - len(stop) - 2].rstrip() + "…"
    return f"{body} {stop}"

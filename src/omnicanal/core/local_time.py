"""Local time: one rule for every screen (docs/architecture.md, "Time").

Storage and the API speak UTC. A person reads local time:

- on a store page (POS, pickup desk, curbside, returns desk, stock lookup, transfers) in the
  location's own time zone: the page's view calls `use_place_zone` with the zone inventory gives;
- everywhere else in the console (and the shop) in the viewer's home zone: the staff member's
  chosen zone (`User.time_zone`), else the business's (`OMNICANAL["TIME_ZONE"]`).

`LocalTimeMiddleware` activates the home zone for every request but the API's, so every page,
partial and HTMX fragment of any domain renders with the same zone; a view that forgot to ask for
it can no longer fall back to UTC (that was the date that shifted by a day after a panel action:
the panel's own endpoint rendered without the zone the page had). Templates print times with
`|date` or, where a person reads a moment, with `{% local_time %}` (core/templatetags), which
names the zone when it is not the one the reader would assume (see `zone_is_ambiguous`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from omnicanal.core.hours import zone

# The viewer's home zone for the request being served (a context variable: safe under ASGI).
_home: contextvars.ContextVar[str | None] = contextvars.ContextVar("omnicanal_home_zone", default=None)


def business_zone_name() -> str:
    return settings.OMNICANAL["TIME_ZONE"]


def home_zone_name(user=None) -> str:
    """The zone a staff member reads the console in: theirs if they chose one, else the business's."""
    chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if chosen:
        try:
            zone(chosen)
            return chosen
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass  # a zone removed from the tz database since: the business's
    return business_zone_name()


def current_home_zone_name() -> str:
    return _home.get() or business_zone_name()


def validate_time_zone(name: str) -> None:
    """Model/form validator: an IANA zone name (empty is allowed: the business's)."""
    if not name:
        return
    try:
        zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone %(name)s.") % {"name": name}) from exc


def use_place_zone(name: str) -> None:
    """A store page reads in its location's zone (from inventory's queries): activate it for the
    rest of the request. An unknown or empty name keeps the home zone."""
    if not name:
        return
    try:
        timezone.activate(zone(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass


def zone_is_ambiguous(shown: str) -> bool:
    """Whether a time shown in zone `shown` needs its zone named: when it is not the reader's own
    clock (a store in another zone; the business's store seen by someone who reads in theirs)."""
    return shown != current_home_zone_name()


def zone_label(at: dt.datetime) -> str:
    """A short name of `at`'s zone at that instant: its abbreviation when the tz database has one
    ("UTC", "EST"), else its offset ("UTC−3", "UTC+5:30"): Chile's zones only have offsets."""
    name = at.tzname() or ""
    if name[:1].isalpha():
        return name
    offset = at.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def parse(value) -> dt.datetime | None:
    """A moment as stored: an aware datetime or the ISO text kept in JSON histories; None if neither."""
    if isinstance(value, dt.datetime):
        at = value
    elif isinstance(value, str) and value:
        try:
            at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return at if timezone.is_aware(at) else timezone.make_aware(at, dt.UTC)


class LocalTimeMiddleware:
    """Activates the viewer's home zone for every page and fragment (not the API: it speaks UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        name = home_zone_name(getattr(request, "user", None))
        token = _home.set(name)
        timezone.activate(zone(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _home.reset(token)

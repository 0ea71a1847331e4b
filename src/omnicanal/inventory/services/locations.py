"""Locations and the channels each serves (shipping, pickup, safety stock, priority).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext_lazy as _

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import audit, hours
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import ValidationFailed
from omnicanal.inventory.models import (
    CAPABILITIES,
    Location,
    LocationChannel,
    LocationHoliday,
    LocationKind,
)
from omnicanal.inventory.services.common import check_channel_exists


def do_create_location(
    *,
    code: str,
    name: str,
    kind: str,
    capabilities: Iterable[str] = (),
    address: dict | None = None,
    lat: float | None = None,
    lon: float | None = None,
    timezone: str = "America/Santiago",
    opening_hours: dict | None = None,
    channels: Sequence[dict] | None = None,
    actor: Principal = SYSTEM,
) -> Location:
    """A location and the channels it serves. Without `channels` it serves every active channel:
    shipping if it ships, handing over if it has pickup (restrict later with do_link_channel)."""
    code = code.strip().upper()
    if Location.objects.filter(code=code).exists():
        raise ValidationFailed.on("code", "is taken")
    if kind not in LocationKind.values:
        raise ValidationFailed.on("kind", f"must be one of {', '.join(LocationKind.values)}")
    caps = set(capabilities)
    unknown = caps - set(CAPABILITIES)
    if unknown:
        raise ValidationFailed.on("capabilities", f"unknown: {', '.join(sorted(unknown))}")
    if (lat is None) != (lon is None):
        raise ValidationFailed.on("lat", "give both lat and lon, or neither")
    hours.check_timezone(timezone)
    hours.parse(opening_hours or {})
    address = address or {}
    location = Location.objects.create(
        code=code, name=name.strip(), kind=kind, ships="ship" in caps, pickup="pickup" in caps,
        curbside="curbside" in caps, returns="returns" in caps, line1=address.get("line1", ""),
        line2=address.get("line2") or "", city=address.get("city", ""), region=address.get("region") or "",
        postal_code=address.get("postal_code") or "", country=address.get("country", ""), lat=lat, lon=lon,
        timezone=timezone, opening_hours=opening_hours or {},
    )
    if channels is None:
        channels = [{"channel": c, "ships": location.ships, "pickup": location.pickup}
                    for c in catalog_queries.channel_codes()]
    for link in channels:
        if link.get("ships", True) or link.get("pickup", False):
            do_link_channel(location=location, **link)
    audit.record(actor=actor, action="location.create", target_type="location", target_id=code,
                 after={"kind": kind, "capabilities": sorted(caps)})
    return location


def do_link_channel(
    *, location: Location, channel: str, ships: bool = True, pickup: bool = False, safety_stock: int = 0,
    priority: int = 100,
) -> LocationChannel | None:
    """Which channel a location serves, how, and the units it keeps back from it. Neither shipping
    nor pickup removes the link."""
    check_channel_exists(channel)
    if safety_stock < 0:
        raise ValidationFailed.on("safety_stock", "may not be negative")
    ships = ships and location.ships
    pickup = pickup and location.pickup
    if not ships and not pickup:
        LocationChannel.objects.filter(location=location, channel_id=channel).delete()
        return None
    link, _ = LocationChannel.objects.update_or_create(
        location=location, channel_id=channel,
        defaults={"ships": ships, "pickup": pickup, "safety_stock": safety_stock, "priority": priority},
    )
    return link


def do_set_holiday(*, location: Location, date: dt.date, name: str, closed: bool = True,
                   opens: dt.time | None = None, closes: dt.time | None = None,
                   actor: Principal = SYSTEM) -> LocationHoliday:
    """A location's hours on one of its dates: closed, or open only from `opens` to `closes`. Setting
    the same date again replaces it (idempotent)."""
    name = (name or "").strip()[:120]
    if not name:
        raise ValidationFailed.on("name", _("name the day (Navidad, Fiestas Patrias)"))
    if closed:
        opens = closes = None
    elif opens is None or closes is None:
        raise ValidationFailed.on("opens", _("give the special opening and closing times, or mark the day closed"))
    elif opens >= closes:
        raise ValidationFailed.on("closes", _("closes before it opens"))
    row, _created = LocationHoliday.objects.update_or_create(
        location=location, date=date, defaults={"name": name, "closed": closed, "opens": opens, "closes": closes})
    audit.record(actor=actor, action="location.holiday", target_type="location", target_id=location.code,
                 after={"date": date.isoformat(), "name": name, "closed": closed,
                        "hours": f"{opens:%H:%M}-{closes:%H:%M}" if opens and closes else ""})
    return row


def do_remove_holiday(*, location: Location, date: dt.date, actor: Principal = SYSTEM) -> None:
    deleted, _rows = LocationHoliday.objects.filter(location=location, date=date).delete()
    if deleted:
        audit.record(actor=actor, action="location.holiday_removed", target_type="location", target_id=location.code,
                     after={"date": date.isoformat()})

"""Reads of the inventory for other domains, the API and the console (no writes).

Availability (ATP) is one indexed query: the stock rows of the SKU (unique index variant+location)
joined with the channel's location links; what can be promised at a location is
max(0, on_hand − reserved − safety stock of that channel there).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connection, models
from django.db.models import F, Q, QuerySet, Sum

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import clock, hours, memo
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.libpq import HotStatement
from omnicanal.core.queries import get_or_404
from omnicanal.inventory import holidays
from omnicanal.inventory.models import (
    LineState,
    Location,
    LocationChannel,
    LocationHoliday,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockCount,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
)

MAX_BULK_SKUS = 500


@dataclass(frozen=True)
class LocationInfo:
    """A location as other domains see it (sourcing, returns, labels, receipts): never the model row."""
    code: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    timezone: str
    ships: bool
    pickup: bool
    curbside: bool
    returns: bool
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, "" when not set
    active: bool = True

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lon) if self.lat is not None and self.lon is not None else None

    @property
    def capabilities(self) -> list[str]:
        """"ship", "pickup", "curbside", "returns": the ones this location offers (as the API names them)."""
        return [name for name, has in (("ship", self.ships), ("pickup", self.pickup), ("curbside", self.curbside),
                                       ("returns", self.returns)) if has]


@dataclass(frozen=True)
class ChannelTerms:
    """How a location serves one channel (its link): whether it ships or hands over that channel's
    orders, the units it keeps back for walk-ins, and its rank when sourcing (lower first)."""
    location: str
    channel: str
    ships: bool
    pickup: bool
    safety_stock: int
    priority: int


class StockCandidate(NamedTuple):
    """One stock row a reservation may draw from, with the channel's terms at its location
    (reserve_candidates). A NamedTuple: read by name; the hot path may still unpack it."""
    pk: int
    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    priority: int
    ships: bool

    @property
    def free(self) -> int:
        """Units the channel may promise here (may be negative when oversold)."""
        return self.on_hand - self.reserved - self.safety_stock


@dataclass(frozen=True)
class LocationAvailability:
    code: str
    name: str
    kind: str
    available: int
    on_hand: int
    reserved: int
    safety_stock: int
    ships: bool
    pickup: bool  # the customer can collect it here on this channel (served for pickup, in stock)
    pickup_today: bool  # …and the location is open, or opens again, later today (its own time zone)
    open_now: bool
    distance_km: float | None


@dataclass(frozen=True)
class Availability:
    sku: str
    channel: str
    available: int
    locations: list[LocationAvailability] = field(default_factory=list)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _availability_sql(n_skus: int) -> str:
    marks = ", ".join(["%s"] * n_skus)
    return (
        "SELECT v.sku, l.code, l.name, l.kind, l.lat, l.lon, l.timezone, CAST(l.opening_hours AS TEXT), "
        "lc.ships, lc.pickup, lc.safety_stock, s.on_hand, s.reserved "
        f"FROM {_table(StockLevel)} s "
        f"JOIN {catalog_queries.variant_table_sql()} v ON v.id = s.variant_id "
        f"JOIN {_table(Location)} l ON l.id = s.location_id "
        f"JOIN {_table(LocationChannel)} lc ON lc.location_id = s.location_id AND lc.channel_id = %s "
        f"WHERE v.sku IN ({marks}) AND l.active"
    )


def _fetch(sql: str, params: list) -> list[tuple]:
    # Measured on PostgreSQL: a prepared statement saves nothing here (planning is cheap next to
    # moving 200 rows), so Django's own cursor is used and the query shows in connection.queries.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def distance_km(point: tuple[float, float], location: LocationInfo) -> float | None:
    """Great-circle kilometres from a point to a location (None when it has no coordinates), rounded
    as availability rounds them."""
    if location.point is None:
        return None
    return round(_km(point[0], point[1], location.point[0], location.point[1]), 1)


def _check_point(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise ValidationFailed.on("lat", "give both lat and lon, or neither")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed.on("lat", "is not a point on Earth")


def availability_many(*, skus: list[str], channel: str, lat: float | None = None, lon: float | None = None,
                      at: dt.datetime | None = None) -> dict[str, Availability]:
    """What each SKU can promise on `channel`, per location: nearest first when lat/lon are given,
    else the most available first. SKUs without stock rows come back with nothing available."""
    _check_point(lat, lon)
    skus = list(dict.fromkeys(skus))
    if not skus:
        return {}
    if len(skus) > MAX_BULK_SKUS:
        raise ValidationFailed.on("skus", f"at most {MAX_BULK_SKUS} SKUs at once")
    at = at or clock.now()
    rows = _fetch(_availability_sql(len(skus)), [channel, *skus])
    per_sku: dict[str, list[LocationAvailability]] = {sku: [] for sku in skus}
    opening: dict[tuple[str, str, str], tuple[bool, bool]] = {}  # most locations share hours: judge each once
    special = _special_days({row[1] for row in rows if row[9]}, at)
    for (sku, code, name, kind, l_lat, l_lon, tz, raw_hours, ships, pickup, safety, on_hand, reserved) in rows:
        free = max(0, on_hand - reserved - safety)
        can_pickup = bool(pickup) and free > 0
        open_now = later_today = False
        if pickup:
            overrides = special.get(code)
            key = (raw_hours or "{}", tz, code if overrides else "")
            if key not in opening:
                opening[key] = (hours.is_open(key[0], tz, at, overrides), hours.open_later_today(key[0], tz, at, overrides))
            open_now, later_today = opening[key]
        per_sku[sku].append(LocationAvailability(
            code=code, name=name, kind=kind, available=free, on_hand=on_hand, reserved=reserved, safety_stock=safety,
            ships=bool(ships), pickup=can_pickup, pickup_today=can_pickup and later_today, open_now=open_now,
            distance_km=round(_km(lat, lon, l_lat, l_lon), 1)
            if lat is not None and lon is not None and l_lat is not None and l_lon is not None else None,
        ))
    result = {}
    for sku, places in per_sku.items():
        if lat is not None:
            places.sort(key=lambda p: (p.distance_km is None, p.distance_km or 0, p.code))
        else:
            places.sort(key=lambda p: (-p.available, p.code))
        result[sku] = Availability(sku=sku, channel=channel, available=sum(p.available for p in places),
                                   locations=places)
    return result


def _special_days(codes: set[str], at: dt.datetime) -> dict[str, hours.Overrides]:
    """{code: its holidays around `at`} of the locations among `codes` that have any (one query)."""
    if not codes:
        return {}
    ids = dict(Location.objects.filter(code__in=codes).values_list("id", "code"))
    first, last = holidays.around(at)
    return {ids[pk]: holidays.overrides_of(rows) for pk, rows in holidays.rows_of(ids, first, last).items()}


def availability(*, sku: str, channel: str, lat: float | None = None, lon: float | None = None,
                 at: dt.datetime | None = None) -> Availability:
    return availability_many(skus=[sku], channel=channel, lat=lat, lon=lon, at=at)[sku]


def available_by_channel(skus: list[str] | None, channels: list[str]) -> dict[tuple[str, str], int]:
    """{(sku, channel): units promisable} in one grouped query: the catalog audit's stock provider."""
    if not channels:
        return {}
    chan_marks = ", ".join(["%s"] * len(channels))
    sql = (
        "SELECT v.sku, lc.channel_id, SUM(CASE WHEN s.on_hand - s.reserved - lc.safety_stock > 0 "
        "THEN s.on_hand - s.reserved - lc.safety_stock ELSE 0 END) "
        f"FROM {_table(StockLevel)} s "
        f"JOIN {catalog_queries.variant_table_sql()} v ON v.id = s.variant_id "
        f"JOIN {_table(Location)} l ON l.id = s.location_id "
        f"JOIN {_table(LocationChannel)} lc ON lc.location_id = s.location_id "
        f"WHERE l.active AND lc.channel_id IN ({chan_marks})"
    )
    params: list = list(channels)
    if skus:
        sql += f" AND v.sku IN ({', '.join(['%s'] * len(skus))})"
        params += list(skus)
    sql += " GROUP BY v.sku, lc.channel_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(sku, chan): int(n or 0) for sku, chan, n in cursor.fetchall()}



@dataclass(frozen=True)
class PickupToday:
    """What one location can hand over today on a channel (the shop's "pickup today at <store>"):
    the SKUs it has free to promise there, when it is open now or opens again before its day ends."""
    code: str
    name: str
    open_today: bool
    skus: frozenset[str]  # empty when the location is closed for the rest of its day


# Every shop listing and product page lists the channel's pickup stores (never their stock nor hours,
# read live): once per process, forgotten when any Location or LocationChannel row changes
# (InventoryConfig.ready; core/memo.py).
PICKUP_LOCATIONS = memo.Memo("inventory.pickup_locations")


def pickup_locations(*, channel: str) -> list[LocationInfo]:
    """Active locations that hand over `channel`'s orders (pickup), by name: the shop's store picker."""

    def read() -> tuple[LocationInfo, ...]:
        qs = Location.objects.filter(active=True, channel_links__channel_id=channel, channel_links__pickup=True)
        return tuple(LocationInfo(*row) for row in qs.order_by("name", "code").values_list(*_LOCATION_INFO_FIELDS))

    return list(PICKUP_LOCATIONS.get(channel, read))


class _Place(NamedTuple):
    """A pickup location as "pickup today" decides on it: never its stock, only where and when."""
    id: int
    name: str
    opening: dict  # shared by every request of the process: read, never changed
    timezone: str
    overrides: hours.Overrides  # its holidays and special hours around the memo's dates


# A filtered shop page asked for its pickup store's row and then its holidays: two round trips per
# request for data changed a few times a year. Held per process per (channel, dates around today),
# forgotten on any write of a Location, LocationChannel or LocationHoliday (InventoryConfig.ready;
# core/memo.py). The freshness rule of "pickup today" stays whole: whether the store is still open
# today is decided on every request from the clock in the store's time zone (never memoized), and
# its free stock is read live inside the page's own statement (pickup_filter).
PICKUP_PLACES = memo.Memo("inventory.pickup_places", max_entries=32)


def _pickup_places(channel: str, first: dt.date, last: dt.date) -> dict[str, _Place]:
    """{code: _Place} of `channel`'s active pickup locations, with their holidays from `first` to `last`."""

    def read() -> dict[str, _Place]:
        rows = list(Location.objects.filter(active=True, channel_links__channel_id=channel,
                                            channel_links__pickup=True)
                    .values_list("code", "id", "name", "opening_hours", "timezone"))
        found = holidays.rows_of([row[1] for row in rows], first, last)
        return {code: _Place(pk, name, opening or {}, tz, holidays.overrides_of(found.get(pk, ())))
                for code, pk, name, opening, tz in rows}

    return PICKUP_PLACES.get((channel, first, last), read)


def _pickup_place(channel: str, location: str, at: dt.datetime | None) -> tuple[int, str, bool] | None:
    """(id, name, open later today) of an active pickup location of `channel`; None when it is not one."""
    at = at or clock.now()
    place = _pickup_places(channel, *holidays.around(at)).get(location)
    if place is None:
        return None
    return place.id, place.name, hours.open_later_today(place.opening, place.timezone, at, place.overrides)


def _free_here_sql(column: str, join: str = "") -> str:
    """The stock rows of one location (second %s) with units free for one channel (first %s, its
    safety stock there kept back): the one rule of "free to hand over", as SQL for both readers below."""
    return (f"SELECT {column} FROM {_table(StockLevel)} s {join}"
            f"JOIN {_table(LocationChannel)} lc ON lc.location_id = s.location_id AND lc.channel_id = %s "
            "WHERE s.location_id = %s AND s.on_hand - s.reserved - lc.safety_stock > 0")


def pickup_today(*, channel: str, location: str, at: dt.datetime | None = None) -> PickupToday | None:
    """None when `location` is not an active pickup location of `channel`. Free units are counted as
    availability counts them (on hand − reserved − the channel's safety stock there)."""
    place = _pickup_place(channel, location, at)
    if place is None:
        return None
    location_id, name, open_today = place
    skus: frozenset[str] = frozenset()
    if open_today:
        sql = _free_here_sql("v.sku", f"JOIN {catalog_queries.variant_table_sql()} v ON v.id = s.variant_id ")
        skus = frozenset(sku for (sku,) in _fetch(sql, [channel, location_id]))
    return PickupToday(code=location, name=name, open_today=open_today, skus=skus)


@dataclass(frozen=True)
class PickupFilter:
    """The shop's "available for pickup today at <store>" facet for catalog.search_catalog: the store,
    whether it hands over anything more today, and `variants`, the SQL selecting the variants it has
    free (None when it is closed for the rest of its day: nothing passes)."""
    code: str
    name: str
    open_today: bool
    variants: catalog_queries.VariantQuery | None


def pickup_filter(*, channel: str, location: str, at: dt.datetime | None = None) -> PickupFilter | None:
    """pickup_today as a filter the search runs in its own statement (no store-wide SKU list read):
    live, what the page's own read of the stock rows says. None when `location` is not an active
    pickup location of `channel`."""
    place = _pickup_place(channel, location, at)
    if place is None:
        return None
    location_id, name, open_today = place
    variants = catalog_queries.VariantQuery(_free_here_sql("s.variant_id"), (channel, location_id)) if open_today else None
    return PickupFilter(code=location, name=name, open_today=open_today, variants=variants)

# --- locations and stock -----------------------------------------------------------------------------


def get_location(code: str) -> Location:
    return get_or_404(Location.objects.all(), f"No location {code}.", code=code)


def locations(*, active_only: bool = True) -> list[Location]:
    qs = Location.objects.prefetch_related("channel_links")
    return list(qs.filter(active=True) if active_only else qs)


_LOCATION_INFO_FIELDS = ("code", "name", "kind", "lat", "lon", "timezone", "ships", "pickup", "curbside", "returns",
                         "line1", "line2", "city", "region", "postal_code", "country", "active")


def location_infos(*, active_only: bool = True) -> dict[str, LocationInfo]:
    """{code: LocationInfo} of the (active) locations, by code, in one query.

    Its SQL is written once per process: every order's sourcing reads this, and composing the
    statement cost the ORM more CPU than running it (issue 23). Booleans come back as such on
    every database (SQLite answers 0 and 1)."""
    if connection.vendor == "postgresql":  # through libpq (core.libpq): every order's sourcing reads it
        found = (_location_info_from_text(row) for row in _location_infos_hot(active_only).run({}))
        return {info.code: info for info in found}
    with connection.cursor() as cursor:
        cursor.execute(_location_infos_sql(active_only))
        rows = cursor.fetchall()
    return {row[0]: _location_info(row) for row in rows}


@functools.cache
def _location_infos_hot(active_only: bool) -> HotStatement:
    return HotStatement(f"omnicanal_location_infos_{int(active_only)}", _location_infos_sql(active_only))


def _location_info_from_text(row: tuple[str | None, ...]) -> LocationInfo:
    """A row as libpq's text: booleans 't'/'f', coordinates as float8's exact text, the rest text."""
    values: list[Any] = []
    for value, kind in zip(row, _LOCATION_INFO_KINDS, strict=True):
        if kind == "bool":
            values.append(value == "t")
        elif kind == "float":
            values.append(float(value) if value is not None else None)
        else:
            values.append(value)
    return LocationInfo(*values)


def _location_info(row: tuple[Any, ...]) -> LocationInfo:
    values: list[Any] = [bool(v) if flag else v for v, flag in zip(row, _LOCATION_INFO_BOOLS, strict=True)]
    return LocationInfo(*values)


_LOCATION_INFO_KINDS = tuple(
    "bool" if isinstance(f, models.BooleanField) else "float" if isinstance(f, models.FloatField) else "text"
    for f in (Location._meta.get_field(name) for name in _LOCATION_INFO_FIELDS))
_LOCATION_INFO_BOOLS = tuple(isinstance(Location._meta.get_field(name), models.BooleanField)
                             for name in _LOCATION_INFO_FIELDS)


@functools.cache
def _location_infos_sql(active_only: bool) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _LOCATION_INFO_FIELDS)  # each field's column is its name
    where = f" WHERE {quote('active')}" if active_only else ""
    return f"SELECT {columns} FROM {quote(Location._meta.db_table)}{where} ORDER BY {quote('code')}"


def upcoming_holidays(*, at: dt.datetime | None = None) -> list[LocationHoliday]:
    """Holidays and special hours from yesterday on, by date and location (the console)."""
    first, _last = holidays.around(at or clock.now())
    return list(LocationHoliday.objects.filter(date__gte=first).select_related("location").order_by("date", "location__code"))


def location_info(code: str) -> LocationInfo | None:
    """One location, active or not; None when there is no such code."""
    row = Location.objects.filter(code=code).values_list(*_LOCATION_INFO_FIELDS).first()
    return LocationInfo(*row) if row else None


def channel_terms(channel: str, *, active_only: bool = True) -> dict[str, ChannelTerms]:
    """{location code: ChannelTerms} of the (active) locations linked to `channel`, in one query."""
    qs = LocationChannel.objects.filter(channel_id=channel)
    if active_only:
        qs = qs.filter(location__active=True)
    rows = qs.values_list("location__code", "ships", "pickup", "safety_stock", "priority")
    return {code: ChannelTerms(location=code, channel=channel, ships=ships, pickup=pickup, safety_stock=safety,
                               priority=priority)
            for code, ships, pickup, safety, priority in rows}


def stock_level(*, location: str, sku: str) -> dict:
    """One stock row (zeros when the SKU was never stocked there)."""
    loc = get_location(location)
    variant = catalog_queries.variant_id(sku)  # 404 on an unknown SKU
    found = StockLevel.objects.filter(location=loc, variant_id=variant).values("on_hand", "reserved").first()
    row = found or {"on_hand": 0, "reserved": 0}
    return {"location": loc.code, "sku": sku, "on_hand": row["on_hand"], "reserved": row["reserved"],
            "available": row["on_hand"] - row["reserved"]}


def stock_rows(*, sku: str = "", location: str = "", low: int | None = None,
               location_codes: list[str] | None = None) -> QuerySet[StockLevel]:
    qs = StockLevel.objects.select_related("variant", "variant__product", "location")
    if sku:
        qs = qs.filter(Q(variant__sku__icontains=sku) | Q(variant__product__name_es__icontains=sku))
    if location:
        qs = qs.filter(location__code=location)
    if location_codes is not None:
        qs = qs.filter(location__code__in=location_codes)
    if low is not None:
        qs = qs.filter(on_hand__lte=F("reserved") + low)
    return qs.order_by("variant__sku", "location__code")


def stock_grid(*, sku: str = "", location: str = "", low: int | None = None, limit: int = 50, offset: int = 0,
               location_codes: list[str] | None = None) -> tuple[list[Location], list[dict], int]:
    """Variants as rows, locations as columns: (columns, rows, total variants)."""
    rows_qs = stock_rows(sku=sku, location=location, low=low, location_codes=location_codes)
    variant_ids = list(rows_qs.order_by("variant__sku").values_list("variant_id", flat=True).distinct())
    total = len(variant_ids)
    page_ids = variant_ids[offset: offset + limit]
    cols = [loc for loc in locations() if (not location or loc.code == location)
            and (location_codes is None or loc.code in location_codes)]
    cells = StockLevel.objects.filter(variant_id__in=page_ids).values(
        "variant_id", "variant__sku", "variant__product__name_es", "variant__product__public_id",
        "variant__attributes", "location__code", "on_hand", "reserved")
    by_variant: dict[int, dict] = {}
    for c in cells:
        entry = by_variant.setdefault(c["variant_id"], {
            "sku": c["variant__sku"], "name": c["variant__product__name_es"],
            "product_id": c["variant__product__public_id"], "attributes": c["variant__attributes"], "cells": {},
            "on_hand": 0, "reserved": 0})
        entry["cells"][c["location__code"]] = {"on_hand": c["on_hand"], "reserved": c["reserved"],
                                               "available": c["on_hand"] - c["reserved"]}
        entry["on_hand"] += c["on_hand"]
        entry["reserved"] += c["reserved"]
    rows = []
    for vid in page_ids:
        shown = by_variant.get(vid)
        if shown:
            shown["columns"] = [{"code": col.code, **shown["cells"][col.code]} if col.code in shown["cells"] else None
                                for col in cols]
            rows.append(shown)
    return cols, rows, total


def movements(*, location: str = "", sku: str = "", kind: str = "", reference: str = "",
              location_codes: list[str] | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("stock__location", "stock__variant")
    if location:
        qs = qs.filter(stock__location__code=location)
    if location_codes is not None:
        qs = qs.filter(stock__location__code__in=location_codes)
    if sku:
        qs = qs.filter(stock__variant__sku=sku)
    if kind:
        qs = qs.filter(kind=kind)
    if reference:
        qs = qs.filter(reference=reference)
    return qs.order_by("-at", "-id")


def stock_problems() -> list[str]:
    """Every way the stock could be wrong, checked from the movements up; [] when sound (a restored
    backup is checked with it: web.invariants). Each row's on hand is the sum of its movements and
    not negative; reserved is within on hand and equals what active reservations hold there; every
    reservation line's reservation and stock row exist (no database constraint says so: models.py)."""
    orphans = ReservationLine.objects.filter(~models.Exists(Reservation.objects.filter(pk=models.OuterRef("reservation_id")))
                                             | ~models.Exists(StockLevel.objects.filter(pk=models.OuterRef("stock_id"))))
    problems = [f"reservation line {pk}: its reservation or stock row is missing" for pk in orphans.values_list("pk", flat=True)]
    moved = dict(StockMovement.objects.values_list("stock_id").annotate(n=Sum("quantity")).order_by())
    held = dict(ReservationLine.objects.filter(state=LineState.HELD, reservation__status=ReservationStatus.ACTIVE)
                .values_list("stock_id").annotate(n=Sum("quantity")).order_by())
    rows = StockLevel.objects.values_list("pk", "variant__sku", "location__code", "on_hand", "reserved").order_by("pk")
    for pk, sku, code, on_hand, reserved in rows.iterator():
        if on_hand != (moved.get(pk) or 0):
            problems.append(f"{sku} at {code}: on hand {on_hand}, movements sum to {moved.get(pk) or 0}")
        if not 0 <= reserved <= on_hand:
            problems.append(f"{sku} at {code}: reserved {reserved} of {on_hand} on hand")
        if reserved != (held.get(pk) or 0):
            problems.append(f"{sku} at {code}: reserved {reserved}, active reservations hold {held.get(pk) or 0}")
    return problems


def stock_figures() -> dict[str, int]:
    """The stock's totals (invariants' counts, compared before and after a drill): units on hand and
    reserved, movements, active reservations and the units they hold, inventory transfers."""
    levels = StockLevel.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    held = ReservationLine.objects.filter(state=LineState.HELD, reservation__status=ReservationStatus.ACTIVE)
    return {"on_hand": levels["on_hand"] or 0, "reserved": levels["reserved"] or 0,
            "movements": StockMovement.objects.count(),
            "reservations_active": Reservation.objects.filter(status=ReservationStatus.ACTIVE).count(),
            "held_units": held.aggregate(n=Sum("quantity"))["n"] or 0, "transfers": Transfer.objects.count()}


def ledger_balance(*, location: str, sku: str) -> int:
    """The sum of movements of one stock row; equals its on_hand (the ledger's promise)."""
    return StockMovement.objects.filter(stock__location__code=location, stock__variant__sku=sku).aggregate(
        n=Sum("quantity"))["n"] or 0


# --- reservations, transfers, counts ---------------------------------------------------------------


@dataclass(frozen=True)
class ReservationInfo:
    """A reservation as other domains see it (a cart's checkout hold, an order's units): never the row.
    services.do_reserve hands it out."""
    id: str  # rsv_…
    reference: str  # the cart's or order's public id it holds units for
    channel: str
    status: str  # ReservationStatus: active, released, committed, expired
    created_at: dt.datetime
    expires_at: dt.datetime | None  # None: held until released or committed


def reservation_info(row: Any) -> ReservationInfo:  # a Reservation, or the one-call path's draft of one
    return ReservationInfo(id=row.public_id, reference=row.reference, channel=row.channel_id, status=row.status,
                           created_at=row.created_at, expires_at=row.expires_at)


@dataclass(frozen=True)
class TransferInfo:
    """A transfer as other domains see it (an order's ship-to-store leg): never the row.
    services.do_request_transfer hands it out."""
    id: str  # trf_…
    origin: str  # location codes
    destination: str
    status: str  # TransferStatus: requested, in_transit, received, cancelled
    reference: str
    note: str
    created_at: dt.datetime


def transfer_info(row: Transfer) -> TransferInfo:
    return TransferInfo(id=row.public_id, origin=row.origin.code, destination=row.destination.code, status=row.status,
                        reference=row.reference, note=row.note, created_at=row.created_at)


def get_reservation(public_id: str) -> Reservation:
    return get_or_404(Reservation.objects.all(), f"No reservation {public_id}.", public_id=public_id)


def has_active_reservation(reference: str) -> bool:
    """Whether units are held now under this reference (a cart's or an order's public id)."""
    return Reservation.objects.filter(reference=reference, status=ReservationStatus.ACTIVE).exists()


def reservation_lines(reservation: Reservation) -> list[dict]:
    return [dict(row) for row in ReservationLine.objects.filter(reservation=reservation).order_by("pk").values(
        "quantity", "state", sku=F("stock__variant__sku"), location=F("stock__location__code"))]


def reservations(*, reference: str = "", status: str = "") -> QuerySet[Reservation]:
    qs = Reservation.objects.all()
    if reference:
        qs = qs.filter(reference=reference)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def get_transfer(public_id: str) -> Transfer:
    return get_or_404(Transfer.objects.select_related("origin", "destination"), f"No transfer {public_id}.", public_id=public_id)


def transfer_lines(transfer: Transfer) -> list[dict]:
    return [dict(row) for row in TransferLine.objects.filter(transfer=transfer).order_by("pk").values(
        "quantity", "received", sku=F("variant__sku"))]


def transfers(*, status: str = "", location_codes: list[str] | None = None) -> QuerySet[Transfer]:
    qs = Transfer.objects.select_related("origin", "destination")
    if status:
        qs = qs.filter(status=status)
    if location_codes is not None:
        qs = qs.filter(Q(origin__code__in=location_codes) | Q(destination__code__in=location_codes))
    return qs.order_by("-created_at", "-id")


def in_transit(*, sku: str | None = None) -> int:
    qs = TransferLine.objects.filter(transfer__status=TransferStatus.IN_TRANSIT)
    if sku:
        qs = qs.filter(variant__sku=sku)
    return qs.aggregate(n=Sum("quantity"))["n"] or 0


def get_count(public_id: str) -> StockCount:
    return get_or_404(StockCount.objects.select_related("location"), f"No count {public_id}.", public_id=public_id)


def variance_report(count: StockCount) -> dict:
    """Per line: expected, counted, variance and its value at the variant's price."""
    lines = []
    units = 0
    value: Decimal | int = 0
    rows = list(count.lines.select_related("variant", "variant__product").order_by("variant__sku"))
    prices = catalog_queries.base_prices([line.variant.sku for line in rows])  # the catalog's price rule
    for line in rows:
        price = prices[line.variant.sku].amount
        variance = line.counted - line.expected
        lines.append({"sku": line.variant.sku, "name": line.variant.product.name_es, "expected": line.expected,
                      "counted": line.counted, "variance": variance, "value": variance * price})
        units += variance
        value += variance * price
    return {"id": count.public_id, "location": count.location.code, "at": count.created_at, "actor": count.actor,
            "reason": count.reason, "lines": lines, "variance_units": units, "variance_value": value,
            "lines_with_variance": sum(1 for line in lines if line["variance"])}


# --- the reserve hot path's read ---------------------------------------------------------------------

_CANDIDATES_HEAD = (
    "SELECT s.id, v.sku, l.code, s.on_hand, s.reserved, COALESCE(lc.safety_stock, 0), "
    "COALESCE(lc.priority, 0), COALESCE(lc.ships, FALSE) "
    f"FROM {StockLevel._meta.db_table} s "
    f"JOIN {catalog_queries.variant_table_sql()} v ON v.id = s.variant_id "
    f"JOIN {Location._meta.db_table} l ON l.id = s.location_id "
    f"LEFT JOIN {LocationChannel._meta.db_table} lc ON lc.location_id = s.location_id AND lc.channel_id = {{channel}} "
)
_CANDIDATES = HotStatement(
    "omnicanal_reserve_candidates",
    _CANDIDATES_HEAD.format(channel="%(channel)s::text")
    + "WHERE v.sku = ANY(%(skus)s::text[]) AND l.active "
    "AND (l.code = ANY(%(named)s::text[]) OR (%(by_channel)s::boolean AND lc.ships))",
)


def reserve_candidates(*, skus: list[str], channel: str, locations: list[str] | None = None,
                       pinned: list[str] | None = None) -> list[StockCandidate]:
    """Stock rows a reservation may draw from, with the channel's terms there, in one query:
    StockCandidate(pk, sku, location code, on_hand, reserved, safety stock, priority, ships). With `locations`
    (sourcing's decision) exactly those; else every active location that ships for the channel;
    plus the `pinned` locations of lines held at one place. No lock: services.do_reserve locks and
    re-checks afterwards.

    On PostgreSQL one prepared statement whatever the number of SKUs and locations (arrays), run
    through libpq (core.libpq): it is half of the reservation hot path's round trips."""
    named = list(dict.fromkeys([*(locations or []), *(pinned or [])]))
    by_channel = not locations
    head = _CANDIDATES_HEAD.format(channel="%s")
    if connection.vendor == "postgresql":
        # Every column of the statement is NOT NULL or COALESCEd: the text rows hold no None.
        rows = cast(list[tuple[str, ...]], _CANDIDATES.run(
            {"channel": channel, "skus": list(skus), "named": named, "by_channel": by_channel}))
        return [StockCandidate(int(pk), sku, code, int(on_hand), int(reserved), int(safety), int(priority),
                               ships == "t")
                for pk, sku, code, on_hand, reserved, safety, priority, ships in rows]
    params: list = [channel, *skus]
    sql = head + f"WHERE v.sku IN ({', '.join(['%s'] * len(skus))}) AND l.active AND "
    if not by_channel:
        sql += f"l.code IN ({', '.join(['%s'] * len(named))})"
        params += named
    elif named:
        sql += f"(lc.ships OR l.code IN ({', '.join(['%s'] * len(named))}))"
        params += named
    else:
        sql += "lc.ships"
    return [StockCandidate(pk, sku, code, on_hand, reserved, safety, priority, bool(ships))
            for pk, sku, code, on_hand, reserved, safety, priority, ships in _fetch(sql, params)]


@dataclass(frozen=True)
class HoursException:
    """A date on which a store keeps other hours than its week's (a holiday, special hours)."""
    date: dt.date  # the store's local date
    name: str  # "Navidad"
    closed: bool
    hours: str = ""  # "10:00–14:00" when open with special hours


@dataclass(frozen=True)
class StoreHours:
    """A store's address and opening hours as a customer is told them (the bot, docs/bot.md), with
    its holidays and special hours from today to holidays.HORIZON_DAYS ahead (`exceptions`)."""
    code: str
    name: str
    address: str  # line1, line2 and city, as one line
    city: str
    timezone: str
    opening_hours: dict  # as stored: {"mon-fri": "10:00-20:00", "sun": "closed"}
    open_now: bool
    hours_today: str = ""  # "10:00–20:00" in the store's own time zone ("" when closed all day)
    region: str = ""
    today: dt.date | None = None  # the store's local date
    exceptions: tuple[HoursException, ...] = ()  # by date, today first when today is one
    holiday_today: str = ""  # the name of today's exception ("" on an ordinary day)


def store_hours(*, active_only: bool = True, at: dt.datetime | None = None) -> list[StoreHours]:
    """Every location with a counter (opening hours set), by name."""
    at = at or clock.now()
    qs = Location.objects.filter(active=True) if active_only else Location.objects.all()
    stores = list(qs.exclude(opening_hours={}).order_by("name", "code"))
    first, last = holidays.around(at, holidays.HORIZON_DAYS)
    special = holidays.rows_of([loc.pk for loc in stores], first, last)
    return [_store_hours(loc, at, special.get(loc.pk, [])) for loc in stores]


def store_hours_of(code: str, *, at: dt.datetime | None = None) -> StoreHours | None:
    """One location's address and hours as a customer is told them (the tracking page); None when
    there is no such location. Malformed hours read as closed: they never break a customer's page."""
    loc = Location.objects.filter(code=code).first()
    if loc is None:
        return None
    at = at or clock.now()
    first, last = holidays.around(at, holidays.HORIZON_DAYS)
    return _store_hours(loc, at, holidays.rows_of([loc.pk], first, last).get(loc.pk, []))


def _store_hours(loc: Location, at: dt.datetime, special: list) -> StoreHours:
    address = ", ".join(part for part in (loc.line1, loc.line2, loc.city) if part)
    overrides = holidays.overrides_of(special)
    try:
        local = at.astimezone(hours.zone(loc.timezone)).date()
        spans = hours.spans_on(loc.opening_hours or {}, local, overrides)
        open_now = hours.is_open(loc.opening_hours or {}, loc.timezone, at, overrides)
    except Exception:  # an unknown zone or malformed hours stored by hand
        local, spans, open_now = at.date(), (), False
    horizon = local + dt.timedelta(days=holidays.HORIZON_DAYS - 1)
    exceptions = tuple(HoursException(date=row.date, name=row.name, closed=not holidays.spans(row),
                                      hours=holidays.span_text(holidays.spans(row)))
                       for row in special if local <= row.date <= horizon)
    return StoreHours(code=loc.code, name=loc.name, address=address, city=loc.city, timezone=loc.timezone,
                      opening_hours=dict(loc.opening_hours or {}), open_now=open_now,
                      hours_today=holidays.span_text(spans), region=loc.region, today=local, exceptions=exceptions,
                      holiday_today=next((e.name for e in exceptions if e.date == local), ""))

"""Sourcing: which location fulfils which lines, and why (the reason is stored and shown).

Rules, per channel (CHANNEL_RULES):
- carry-out: everything from the clerk's store, or nothing;
- pickup / curbside: the chosen store when it has every line; else a ship-to-store transfer from the
  nearest location that has every line, with a promised ready date;
- ship / pickup point: one location that has every line, nearest to the address (or the locker),
  respecting the channel's safety stock there; splits only when no single location can, and only
  when each part is worth at least SPLIT_MIN_VALUE; lines only a supplier holds are drop-shipped.

Works on the StockCandidate rows inventory.queries.reserve_candidates returns (one query) and the
locations' LocationInfo (inventory.queries.location_infos, one query), both read by name;
inventory.do_reserve then holds exactly what was chosen, under row locks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from omnicanal.core.errors import InsufficientStock, ValidationFailed
from omnicanal.inventory import queries as inventory
from omnicanal.inventory.queries import LocationInfo, StockCandidate

SPLIT_MIN_VALUE = Decimal(10000)
SHIP_TO_STORE_DAYS = 2
DEFAULT_KINDS = ("warehouse", "dark_store", "store")


class ChannelRule(TypedDict, total=False):
    kinds: tuple[str, ...]  # the location kinds that may fulfil the channel's orders (default DEFAULT_KINDS)
    network: str  # the channel whose stock network its remote orders draw on


CHANNEL_RULES: dict[str, ChannelRule] = {
    # the marketplace's orders leave from the warehouse and the dark store only (their SLA and labels)
    "marketplace": {"kinds": ("warehouse", "dark_store")},
    # the endless aisle: a POS or mPOS order for delivery or pickup elsewhere draws on the web's
    # network (its locations, priorities and safety stock); carry-out stays on the store's own stock
    "pos": {"network": "web"},
    "mpos": {"network": "web"},
}


def stock_channel(channel: str, method: str) -> str:
    """The channel whose stock terms a sale draws on."""
    if method == "carry_out":
        return channel
    return CHANNEL_RULES.get(channel, {}).get("network", channel)


def why(msg: str, **params) -> dict:
    """A reason kept language-neutral: the English text for the API and the record, the msgid and
    its parameters so that the console shows it in the reader's language."""
    return {"msg": msg, "params": params}


def why_text(reason: dict) -> str:
    return reason["msg"] % reason["params"]


# Every reason text why() is given (here and in services/fulfilment.py), so that a reason stored
# only as English text (rows older than `why`, the demo's) is still read back in the reader's
# language: reason_from_text matches the sentence against them.
REASONS = (
    "Carry-out: the goods leave %(code)s with the customer",
    "%(code)s, the chosen store, has every line",
    "%(store)s lacks stock: transfer from %(origin)s%(km)s, ready in %(days)d days",
    "%(code)s has every line; nearest%(km)s",
    "Drop-ship: only the supplier %(code)s holds these lines",
    "Split: no single location has every line; %(code)s has the most value%(km)s",
    "Re-sourced from %(origin)s: %(sku)s missing at %(code)s",
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(msg: str) -> re.Pattern:
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(msg):
        parts.append(re.escape(msg[last:m.start()]))
        parts.append(f"(?P<{m.group(1)}>\\d+)" if m.group(2) == "d" else f"(?P<{m.group(1)}>.*?)")
        last = m.end()
    parts.append(re.escape(msg[last:]))
    return re.compile("".join(parts) + "$")


_PATTERNS = [(msg, _pattern(msg)) for msg in REASONS]


def reason_from_text(text: str) -> dict | None:
    """The why() of an English reason sentence, or None when it is none of REASONS."""
    for msg, pattern in _PATTERNS:
        if m := pattern.match(text or ""):
            params = {k: int(v) if f"%({k})d" in msg else v for k, v in m.groupdict().items()}
            return why(msg, **params)
    return None


@dataclass
class Part:
    location: str
    method: str  # a FulfillmentMethod value
    lines: dict[str, int]
    reason_key: dict
    handover_location: str = ""
    pinned: str = ""  # where the units are held (the origin of a ship-to-store transfer)
    promised_days: int | None = None

    @property
    def reason(self) -> str:
        return why_text(self.reason_key)


@dataclass
class Plan:
    parts: list[Part] = field(default_factory=list)


def km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """Great-circle distance in kilometres between two (lat, lon) points; None when either is unknown."""
    if a is None or b is None:
        return None
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def address_point(address: dict | None) -> tuple[float, float] | None:
    if not address:
        return None
    if address.get("lat") is not None and address.get("lon") is not None:
        return float(address["lat"]), float(address["lon"])
    for key in ("city", "region"):
        point = settings.OMNICANAL["CITY_POINTS"].get(str(address.get(key) or "").strip().lower())
        if point:
            return point
    return None


def locations_info() -> dict[str, LocationInfo]:
    """The active locations by code (inventory's typed read)."""
    return inventory.location_infos()


def location_name(code: str, info: dict[str, LocationInfo] | None = None) -> str:
    """The active location's name, else its code."""
    where = (locations_info() if info is None else info).get(code)
    return where.name if where else code


def _point(where: LocationInfo | None) -> tuple[float, float] | None:
    return where.point if where else None


def _kind(info: dict[str, LocationInfo], code: str) -> str | None:
    where = info.get(code)
    return where.kind if where else None


class Stock:
    """What each candidate location can promise of each SKU, and the channel's shipping priority."""

    def __init__(self, rows: list[StockCandidate]):
        self.free: dict[tuple[str, str], int] = {}
        self.ships: dict[str, int] = {}  # code -> priority, for locations that ship on the channel
        for row in rows:
            self.free[(row.sku, row.location)] = row.free
            if row.ships:
                self.ships[row.location] = row.priority

    def has_all(self, code: str, wanted: dict[str, int]) -> bool:
        return all(self.free.get((sku, code), 0) >= q for sku, q in wanted.items())


def _short(wanted: dict[str, int], stock: Stock, codes: list[str]) -> InsufficientStock:
    lines = []
    for sku, quantity in wanted.items():
        best = max([stock.free.get((sku, c), 0) for c in codes] or [0])
        if best < quantity:
            lines.append({"sku": sku, "requested": quantity, "available": max(best, 0)})
    return InsufficientStock(detail=_("Not every line can be promised; nothing was reserved."),
                             extra={"lines": lines or [{"sku": s, "requested": q} for s, q in wanted.items()]})


def nearest(codes: list[str], point, info: dict[str, LocationInfo], stock: Stock) -> list[str]:
    """The codes nearest `point` first, then by the channel's priority (unknown distance last)."""
    def key(code):
        distance = km(point, _point(info.get(code)))
        return (distance is None, distance or 0, stock.ships.get(code, 100), code)

    return sorted(codes, key=key)


def _describe(code: str, point, info: dict[str, LocationInfo]) -> str:
    distance = km(point, _point(info.get(code)))
    return f" ({distance:.0f} km)" if distance is not None else ""


def plan(*, channel: str, method: str, wanted: dict[str, int], prices: dict[str, Decimal],
         location: str = "", address: dict | None = None) -> tuple[Plan, dict[str, LocationInfo]]:
    """Decide the fulfilments. Raises InsufficientStock (409) when the order cannot be promised."""
    info = locations_info()
    skus = sorted(wanted)
    if method in ("pickup", "curbside", "carry_out", "pickup_point"):
        where = info.get(location)
        capability = {"pickup": "pickup", "curbside": "curbside", "carry_out": "pickup", "pickup_point": "pickup"}[method]
        if where is None:
            raise ValidationFailed.on("delivery.location", _("no active location %(code)s") % {"code": location or "-"})
        if method != "carry_out" and not getattr(where, capability):
            raise ValidationFailed.on("delivery.location", _("%(code)s does not offer %(method)s")
                                      % {"code": location, "method": method})
    rows = inventory.reserve_candidates(skus=skus, channel=stock_channel(channel, method),
                                        pinned=[location] if location else None)
    stock = Stock(rows)
    kinds = CHANNEL_RULES.get(channel, {}).get("kinds", DEFAULT_KINDS)
    shippers = [c for c in stock.ships if _kind(info, c) in kinds and c != location]

    if method == "carry_out":
        if not stock.has_all(location, wanted):
            raise _short(wanted, stock, [location])
        return Plan([Part(location=location, method="carry_out", lines=dict(wanted), pinned=location,
                          reason_key=why(gettext_noop("Carry-out: the goods leave %(code)s with the customer"), code=location))]), info

    if method in ("pickup", "curbside"):
        if stock.has_all(location, wanted):
            return Plan([Part(location=location, method=method, lines=dict(wanted), pinned=location,
                              handover_location=location,
                              reason_key=why(gettext_noop("%(code)s, the chosen store, has every line"), code=location))]), info
        origins = [c for c in nearest(shippers, _point(info[location]), info, stock) if stock.has_all(c, wanted)]
        if not origins:
            raise _short(wanted, stock, [location, *shippers])
        origin = origins[0]
        return Plan([Part(location=origin, method="ship_to_store", lines=dict(wanted), pinned=origin,
                          handover_location=location, promised_days=SHIP_TO_STORE_DAYS,
                          reason_key=why(gettext_noop(
                              "%(store)s lacks stock: transfer from %(origin)s%(km)s, ready in %(days)d days"),
                              store=location, origin=origin, km=_describe(origin, _point(info[location]), info),
                              days=SHIP_TO_STORE_DAYS))]), info

    # ship and pickup point: from the nearest single location, else a worthwhile split
    point = _point(info[location]) if method == "pickup_point" else address_point(address)
    part_method = "pickup_point" if method == "pickup_point" else "ship"
    handover = location if method == "pickup_point" else ""
    own = [c for c in shippers if info[c].kind != "supplier"]
    suppliers = [c for c in stock.ships if _kind(info, c) == "supplier"]
    full = [c for c in nearest(own, point, info, stock) if stock.has_all(c, wanted)]
    if full:
        code = full[0]
        reason = why(gettext_noop("%(code)s has every line; nearest%(km)s"), code=code,
                     km=_describe(code, point, info))
        return Plan([Part(location=code, method=part_method, lines=dict(wanted), pinned=code,
                          handover_location=handover, reason_key=reason)]), info
    left = dict(wanted)
    parts: list[Part] = []
    # drop-ship: lines none of our own locations can send go to the supplier that holds them
    for sku, quantity in sorted(left.items()):
        if any(stock.free.get((sku, c), 0) >= quantity for c in own):
            continue
        supplier = next((c for c in suppliers if stock.free.get((sku, c), 0) >= quantity), None)
        if supplier is None:
            raise _short(wanted, stock, own + suppliers)
        existing = next((p for p in parts if p.location == supplier), None)
        if existing is None:
            existing = Part(location=supplier, method="drop_ship", lines={}, pinned=supplier,
                            reason_key=why(gettext_noop("Drop-ship: only the supplier %(code)s holds these lines"),
                                           code=supplier))
            parts.append(existing)
        existing.lines[sku] = quantity
        del left[sku]
    while left:
        def value_at(code):
            return sum(prices[s] * q for s, q in left.items() if stock.free.get((s, code), 0) >= q)

        ranked = sorted(nearest(own, point, info, stock), key=lambda c: -value_at(c))
        if not ranked or value_at(ranked[0]) == 0:
            raise _short(wanted, stock, own)
        code = ranked[0]
        take = {s: q for s, q in left.items() if stock.free.get((s, code), 0) >= q}
        for sku in take:
            del left[sku]
        parts.append(Part(location=code, method=part_method, lines=take, pinned=code, handover_location=handover,
                          reason_key=why(gettext_noop(
                              "Split: no single location has every line; %(code)s has the most value%(km)s"),
                              code=code, km=_describe(code, point, info))))
    for part in parts:
        if part.method == "drop_ship" or len(parts) == 1:
            continue
        value = sum(prices[s] * q for s, q in part.lines.items())
        if value < SPLIT_MIN_VALUE:
            raise InsufficientStock(
                detail=_("The order could only be sent in parts, and a part from %(code)s would be worth less than "
                         "%(min)s.") % {"code": part.location, "min": SPLIT_MIN_VALUE},
                extra={"lines": [{"sku": s, "requested": q} for s, q in part.lines.items()]})
    return Plan(parts), info

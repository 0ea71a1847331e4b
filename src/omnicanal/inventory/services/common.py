"""What the inventory's writers share: the stock UPDATE by CASE, locked rows, movements, lookups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, F, IntegerField, Value, When

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import InsufficientStock, NotFound, ValidationFailed
from omnicanal.inventory import locks
from omnicanal.inventory.events import (
    StockChanged,
    StockLine,
)
from omnicanal.inventory.models import (
    Location,
    StockLevel,
    StockMovement,
)

MAX_LINES = 500


def _who(actor: Principal) -> str:
    return f"{actor.kind}:{actor.name}"[:100]


def _is_person(actor: Principal) -> bool:
    return actor.kind != "system"


def _case(values: dict[int, int]) -> Case | Value:
    if not values:
        return Value(0)
    return Case(*[When(pk=pk, then=Value(v)) for pk, v in values.items()], default=Value(0), output_field=IntegerField())


def _apply(*, on_hand: dict[int, int] | None = None, reserved: dict[int, int] | None = None, now) -> int:
    """One UPDATE for many stock rows: on_hand += on_hand[pk], reserved += reserved[pk]."""
    on_hand, reserved = on_hand or {}, reserved or {}
    ids = set(on_hand) | set(reserved)
    changes: dict = {"updated_at": now}
    if on_hand:
        changes["on_hand"] = F("on_hand") + _case(on_hand)
    if reserved:
        changes["reserved"] = F("reserved") + _case(reserved)
    return StockLevel.objects.filter(pk__in=ids).update(**changes)


def _variants(skus: Iterable[str], field: str = "lines") -> dict[str, int]:
    skus = set(skus)
    found = catalog_queries.variant_ids(skus)  # the catalog owns what a SKU is
    missing = sorted(skus - set(found))
    if missing:
        raise ValidationFailed.on(field, f"unknown SKU: {', '.join(missing)}")
    return found


def get_location(code: str) -> Location:
    location = Location.objects.filter(code=code).first()
    if location is None:
        raise NotFound(detail=f"No location {code}.")
    return location


def as_location(location: Location | str) -> Location:
    """The services take a location by code (other domains hold codes, never our rows) or, from
    inventory's own edges, as the row already read."""
    return location if isinstance(location, Location) else get_location(location)


def _locked_rows(location: Location, variant_ids: Iterable[int], now) -> dict[int, dict]:
    """Lock the stock rows of these variants at one location, creating the missing ones first."""
    variant_ids = set(variant_ids)
    rows = locks.stock_rows_for(variant_ids=variant_ids, location_ids=[location.pk])
    missing = variant_ids - {r["variant_id"] for r in rows}
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(location=location, variant_id=v, on_hand=0, reserved=0, updated_at=now) for v in missing],
            ignore_conflicts=True,
        )
        rows = locks.stock_rows_for(variant_ids=variant_ids, location_ids=[location.pk])
    return {r["variant_id"]: r for r in rows}


def _sum_lines(lines: Iterable[tuple[str, int]], field: str = "lines") -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for i, (sku, quantity) in enumerate(lines):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ValidationFailed.on(f"{field}.{i}.quantity", "must be a positive whole number")
        total[sku] += quantity
    if not total:
        raise ValidationFailed.on(field, "at least one line is required")
    if len(total) > MAX_LINES:
        raise ValidationFailed.on(field, f"at most {MAX_LINES} SKUs at once")
    return dict(total)


def _move(*, kind: str, location: Location, changes: dict[str, int], reference: str = "", reason: str = "",
          actor: Principal, allow_reserved_cut: bool = False) -> list[StockLine]:
    """Change on_hand at one location by signed amounts per SKU: one lock, one UPDATE, one INSERT of
    movements, one event. A decrease may not cut into reserved units."""
    now = clock.now()
    variants = _variants(changes)
    rows = _locked_rows(location, variants.values(), now)
    short = []
    for sku, delta in changes.items():
        row = rows[variants[sku]]
        if row["on_hand"] + delta < (0 if allow_reserved_cut else row["reserved"]):
            short.append({"sku": sku, "location": location.code, "requested": -delta,
                          "available": row["on_hand"] - row["reserved"], "reserved": row["reserved"]})
    if short:
        raise InsufficientStock(detail="Not enough unreserved stock for this change.", extra={"lines": short})
    deltas = {rows[variants[sku]]["pk"]: delta for sku, delta in changes.items() if delta}
    if deltas:
        _apply(on_hand=deltas, now=now)
    StockMovement.objects.bulk_create([
        StockMovement(stock_id=rows[variants[sku]]["pk"], kind=kind, quantity=delta,
                      on_hand_after=rows[variants[sku]]["on_hand"] + delta, reference=reference, reason=reason,
                      actor=_who(actor), at=now)
        for sku, delta in changes.items()
    ])
    lines = tuple(
        StockLine(location=location.code, sku=sku, quantity=delta, on_hand=rows[variants[sku]]["on_hand"] + delta,
                  reserved=rows[variants[sku]]["reserved"])
        for sku, delta in changes.items() if delta
    )
    if lines:
        outbox.emit(StockChanged(kind=kind, reference=reference, lines=lines))
    return list(lines)


def check_channel_exists(channel: str) -> None:
    """The channel is a row of the catalog (the reservation's foreign key has no database
    constraint), active or not: an open order of a channel closed since still re-reserves."""
    if not catalog_queries.channel_exists(channel):
        raise ValidationFailed.on("channel", f"no channel {channel}")

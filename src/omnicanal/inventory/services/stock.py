"""Stock coming in and corrected: receipts, returns, adjustments, counts (each a StockMovement).
"""

from __future__ import annotations

from collections.abc import Sequence

from omnicanal.core import audit, clock
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.inventory.events import (
    StockLine,
)
from omnicanal.inventory.models import (
    Location,
    MovementKind,
    StockCount,
    StockCountLine,
)
from omnicanal.inventory.services.common import (
    _is_person,
    _locked_rows,
    _move,
    _sum_lines,
    _variants,
    _who,
    as_location,
)


def do_receive_stock(*, location: Location | str, lines: Sequence[tuple[str, int]], kind: str = MovementKind.RECEIPT,
                     reference: str = "", reason: str = "", actor: Principal = SYSTEM) -> list[StockLine]:
    """Goods in: a delivery (receipt) or a customer's return put back on the shelf (return).
    `location`: its code, or the row."""
    location = as_location(location)
    if kind not in (MovementKind.RECEIPT, MovementKind.RETURN):
        raise ValidationFailed.on("kind", "must be receipt or return")
    changes = _sum_lines(lines)
    result = _move(kind=kind, location=location, changes=changes, reference=reference, reason=reason, actor=actor)
    if _is_person(actor):
        audit.record(actor=actor, action=f"stock.{kind}", target_type="location", target_id=location.code,
                     after=changes, reason=reason or reference)
    return result


def do_adjust_stock(*, location: Location, sku: str, delta: int, reason: str,
                    actor: Principal = SYSTEM) -> list[StockLine]:
    """A known change with a reason (damaged, stolen, found). May not cut into reserved units."""
    if not reason.strip():
        raise ValidationFailed.on("reason", "say why the stock changes")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValidationFailed.on("delta", "must be a whole number other than zero")
    result = _move(kind=MovementKind.ADJUSTMENT, location=location, changes={sku: delta}, reason=reason.strip(),
                   actor=actor)
    audit.record(actor=actor, action="stock.adjust", target_type="stock", target_id=f"{location.code}/{sku}",
                 before={"on_hand": result[0].on_hand - delta}, after={"on_hand": result[0].on_hand},
                 reason=reason.strip())
    return result


def do_count(*, location: Location, lines: Sequence[tuple[str, int]], reason: str = "",
             actor: Principal = SYSTEM) -> StockCount:
    """A cycle count: the counted quantities become on_hand and the differences are recorded as
    count movements. A count below the units reserved there is refused: release or re-source those
    reservations first (the count would otherwise break a promise silently)."""
    counted: dict[str, int] = {}
    for i, (sku, quantity) in enumerate(lines):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValidationFailed.on(f"lines.{i}.counted", "must be zero or a positive whole number")
        if sku in counted:
            raise ValidationFailed.on(f"lines.{i}.sku", f"SKU {sku} is counted twice")
        counted[sku] = quantity
    if not counted:
        raise ValidationFailed.on("lines", "at least one line is required")
    now = clock.now()
    variants = _variants(counted)
    rows = _locked_rows(location, variants.values(), now)
    below = [{"sku": sku, "counted": n, "reserved": rows[variants[sku]]["reserved"]}
             for sku, n in counted.items() if n < rows[variants[sku]]["reserved"]]
    if below:
        raise Conflict(detail="Counted less than the units reserved; release or re-source them first.",
                       extra={"lines": below})
    count = StockCount.objects.create(public_id=new_id("cnt"), location=location, created_at=now,
                                      actor=_who(actor), reason=reason)
    StockCountLine.objects.bulk_create([
        StockCountLine(count=count, variant_id=variants[sku], expected=rows[variants[sku]]["on_hand"], counted=n)
        for sku, n in counted.items()
    ])
    changes = {sku: n - rows[variants[sku]]["on_hand"] for sku, n in counted.items()}
    _move(kind=MovementKind.COUNT, location=location, changes=changes, reference=count.public_id,
          reason=reason, actor=actor)
    audit.record(actor=actor, action="stock.count", target_type="location", target_id=location.code,
                 before={sku: rows[variants[sku]]["on_hand"] for sku in counted}, after=counted,
                 reason=reason or count.public_id)
    return count

"""Transfers between locations: requested (held at the origin), shipped, received, cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.inventory import locks, queries
from omnicanal.inventory.events import (
    StockLine,
    TransferReceived,
    TransferShipped,
)
from omnicanal.inventory.models import (
    Location,
    MovementKind,
    Transfer,
    TransferLine,
    TransferStatus,
)
from omnicanal.inventory.services.common import _move, _sum_lines, _variants, _who, as_location


def do_request_transfer(*, origin: Location | str, destination: Location | str, lines: Sequence[tuple[str, int]],
                        reference: str = "", note: str = "", actor: Principal = SYSTEM) -> queries.TransferInfo:
    """Ask for goods to move between two locations (each by code, or the row); what was asked, as a
    frozen TransferInfo."""
    origin, destination = as_location(origin), as_location(destination)
    if origin.pk == destination.pk:
        raise ValidationFailed.on("destination", "must differ from the origin")
    wanted = _sum_lines(lines)
    variants = _variants(wanted)
    transfer = Transfer.objects.create(public_id=new_id("trf"), origin=origin, destination=destination,
                                       reference=reference, note=note, created_at=clock.now(), actor=_who(actor))
    TransferLine.objects.bulk_create([TransferLine(transfer=transfer, variant_id=variants[sku], quantity=q)
                                      for sku, q in wanted.items()])
    audit.record(actor=actor, action="transfer.request", target_type="transfer", target_id=transfer.public_id,
                 after={"origin": origin.code, "destination": destination.code, "lines": wanted})
    return queries.transfer_info(transfer)


def _transfer_lines(transfer: Transfer) -> list[TransferLine]:
    return list(transfer.lines.select_related("variant").order_by("pk"))


def do_ship_transfer(*, transfer_id: str, actor: Principal = SYSTEM) -> Transfer:
    """The goods leave the origin (transfer_out movements) and are in transit."""
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only a requested one ships.")
    lines = _transfer_lines(transfer)
    moved = _move(kind=MovementKind.TRANSFER_OUT, location=transfer.origin,
                  changes={line.variant.sku: -line.quantity for line in lines}, reference=transfer.public_id,
                  actor=actor)
    transfer.status = TransferStatus.IN_TRANSIT
    transfer.shipped_at = clock.now()
    transfer.save(update_fields=["status", "shipped_at"])
    outbox.emit(TransferShipped(transfer_id=transfer.public_id, origin=transfer.origin.code,
                                destination=transfer.destination.code, reference=transfer.reference,
                                lines=tuple(StockLine(location=m.location, sku=m.sku, quantity=-m.quantity)
                                            for m in moved)))
    audit.record(actor=actor, action="transfer.ship", target_type="transfer", target_id=transfer.public_id,
                 after={line.variant.sku: line.quantity for line in lines})
    return transfer


def do_receive_transfer(*, transfer_id: str, received: dict[str, int] | None = None,
                        actor: Principal = SYSTEM) -> Transfer:
    """The goods arrive (transfer_in movements). `received` per SKU, default everything shipped;
    fewer than shipped is recorded on the line as lost on the way."""
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only one in transit arrives.")
    lines = _transfer_lines(transfer)
    shipped = {line.variant.sku: line.quantity for line in lines}
    got = dict(shipped) if received is None else {sku: received.get(sku, 0) for sku in shipped}
    unknown = set(received or {}) - set(shipped)
    if unknown:
        raise ValidationFailed.on("lines", f"not in this transfer: {', '.join(sorted(unknown))}")
    for sku, n in got.items():
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= shipped[sku]:
            raise ValidationFailed.on(f"lines.{sku}", f"received must be between 0 and {shipped[sku]}")
    changes = {sku: n for sku, n in got.items() if n}
    moved = []
    if changes:
        moved = _move(kind=MovementKind.TRANSFER_IN, location=transfer.destination, changes=changes,
                      reference=transfer.public_id, actor=actor)
    for line in lines:
        line.received = got[line.variant.sku]
    TransferLine.objects.bulk_update(lines, ["received"])
    transfer.status = TransferStatus.RECEIVED
    transfer.received_at = clock.now()
    transfer.save(update_fields=["status", "received_at"])
    missing = sum(shipped.values()) - sum(got.values())
    outbox.emit(TransferReceived(transfer_id=transfer.public_id, origin=transfer.origin.code,
                                 destination=transfer.destination.code, reference=transfer.reference,
                                 lines=tuple(moved), missing=missing))
    audit.record(actor=actor, action="transfer.receive", target_type="transfer", target_id=transfer.public_id,
                 before=shipped, after=got, reason=f"missing {missing}" if missing else "")
    return transfer


def do_cancel_transfer(*, transfer_id: str, actor: Principal = SYSTEM) -> Transfer:
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only a requested one cancels.")
    transfer.status = TransferStatus.CANCELLED
    transfer.save(update_fields=["status"])
    audit.record(actor=actor, action="transfer.cancel", target_type="transfer", target_id=transfer.public_id)
    return transfer

"""The inventory domain's words for its codes (core/labels.py)."""

from omnicanal.core import labels
from omnicanal.inventory.models import (
    LineState,
    LocationKind,
    MovementKind,
    ReservationStatus,
    TransferStatus,
)

labels.register("inventory.location_kind", LocationKind.choices)
labels.register("inventory.movement_kind", MovementKind.choices)
labels.register("inventory.reservation_status", ReservationStatus.choices)
labels.register("inventory.line_state", LineState.choices)
labels.register("inventory.transfer_status", TransferStatus.choices)

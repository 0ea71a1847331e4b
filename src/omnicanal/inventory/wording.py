"""The inventory domain's words for its codes (core/labels.py)."""

from django.utils.translation import gettext_lazy as _

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
# Field names as staff read them beside a validation error (core.labels.field).
labels.register("inventory.field", {
    "sku": _("SKU"),
    "on_hand": _("Counted quantity"),
    "quantity": _("Quantity"),
    "origin": _("Origin"),
    "destination": _("Destination"),
    "note": _("Note"),
    "date": _("Date"),
    "opens": _("Opens"),
    "closes": _("Closes"),
    "delta": _("Change (+ or −)"),
})

"""The inventory domain's words for its codes (core/labels.py)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("inventory.field", {
    "locations": pgettext_lazy("field", "Locations"),
    "ttl_seconds": pgettext_lazy("field", "Hold time (seconds)"),
    "ship": pgettext_lazy("field", "Ship"),
    "lines.counted": pgettext_lazy("field", "Counted quantity"),
    "opening_hours": pgettext_lazy("field", "Opening hours"),
    "pickup": pgettext_lazy("field", "Pickup"),
    "priority": pgettext_lazy("field", "Priority"),
    "safety_stock": pgettext_lazy("field", "Safety stock"),
    "ships": pgettext_lazy("field", "Ships from here"),
    "timezone": pgettext_lazy("field", "Time zone"),
    "capabilities": pgettext_lazy("field", "Capabilities"),
    "low": pgettext_lazy("field", "Low stock only"),
    "min": pgettext_lazy("field", "Minimum"),
    "max": pgettext_lazy("field", "Maximum"),
    "hours": pgettext_lazy("field", "Hours"),
})

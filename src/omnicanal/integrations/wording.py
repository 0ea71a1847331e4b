"""The integrations domain's words for its codes (core/labels.py)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.integrations.models import DeliveryStatus

labels.register("integrations.delivery_status", DeliveryStatus.choices)
# The events endpoints subscribe to (catalogue.py): the words, with the contract's name beside them
# where an integrator needs it (marked translate="no").
labels.register("integrations.event", {
    "order.placed": _("Order placed"),
    "order.paid": _("Order paid"),
    "order.cancelled": _("Order cancelled"),
    "fulfillment.changed": _("Fulfilment changed"),
    "fulfillment.ready": _("Ready for pickup"),
    "fulfillment.shipped": _("Shipped"),
    "return.received": _("Return received"),
    "refund.issued": _("Refund issued"),
    "stock.changed": _("Stock changed"),
    "customer.merged": _("Customers merged"),
    "customer.erased": _("Customer erased"),
    "ticket.created": _("Ticket created"),
    "ticket.status_changed": _("Ticket status changed"),
    "review.published": _("Review published"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("integrations.field", {
    "events": pgettext_lazy("field", "Events"),
    "scopes": pgettext_lazy("field", "Permissions"),
    "url": pgettext_lazy("field", "Web address (URL)"),
    "enabled": pgettext_lazy("field", "Enabled"),
    "description": pgettext_lazy("field", "Description"),
})

"""The customers domain's words for its codes (core/labels.py): identities, consents, timeline."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.customers.models import ContactChannel, IdentityKind, Purpose, SuggestionStatus

labels.register("customers.identity_kind", IdentityKind.choices)
labels.register("customers.contact_channel", ContactChannel.choices)
labels.register("customers.purpose", Purpose.choices)
labels.register("customers.suggestion_status", SuggestionStatus.choices)
# The timeline's event types (customers/timeline_texts.py says how each reads as a sentence).
labels.register("customers.timeline_type", {
    "customer.created": _("Customer created"),
    "identity.attached": _("Identity added"),
    "customer.merged": _("Customers merged"),
    "consent.granted": _("Consent granted"),
    "consent.withdrawn": _("Consent withdrawn"),
    "loyalty.earned": _("Points earned"),
    "loyalty.redeemed": _("Points redeemed"),
    "loyalty.expired": _("Points expired"),
    "loyalty.tier": _("Tier changed"),
    "loyalty.coupon": _("Coupon used"),
    "order.placed": _("Order placed"),
    "order.paid": _("Order paid"),
    "order.cancelled": _("Order cancelled"),
    "order.returned": _("Return received"),
    "conversation.opened": _("Conversation opened"),
    "survey.answered": _("Survey answered"),
})
# Why two customers became one (MergeRecord.reason).
labels.register("customers.merge_reason", {
    "identify": _("Same identity seen on a channel"),
    "api": _("Merged through the API"),
    "console": _("Merged in the console"),
    "suggestion": _("Accepted duplicate suggestion"),
}, free_text=True)
# Field names as staff read them beside a validation error (core.labels.field).
labels.register("customers.field", {
    "identities.value": _("Identity"),
    "identities.kind": _("Identity kind"),
    "identities": _("Identities"),
    "name": _("Name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "channel": _("Channel"),
    "purpose": _("Purpose"),
    "other_id": _("Other customer"),
    "language": _("Language"),
    "time_zone": _("Time zone"),
    "contact_from": _("Contact from"),
    "contact_to": _("Contact until"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("customers.field", {
    "activity": pgettext_lazy("field", "Activity"),
    "granted": pgettext_lazy("field", "Consent given"),
    "identities.verified": pgettext_lazy("field", "Verified identity"),
    "preferred_channels": pgettext_lazy("field", "Preferred channels"),
    "preferred_channel": pgettext_lazy("field", "Preferred channel"),
    "proof": pgettext_lazy("field", "Proof of consent"),
    "source": pgettext_lazy("field", "Source"),
    "token": pgettext_lazy("field", "Token"),
    "traits": pgettext_lazy("field", "Traits"),
    "consents": pgettext_lazy("field", "Consents"),
    "label": pgettext_lazy("field", "Label"),
    "default": pgettext_lazy("field", "Default"),
    "reference": pgettext_lazy("field", "Reference"),
    "birth_date": pgettext_lazy("field", "Birth date"),
})

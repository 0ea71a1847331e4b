"""The catalog domain's words for its codes (core/labels.py): the sales channels' codes."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.catalog.models import PurchaseCycle
from omnicanal.core import labels

labels.register("catalog.purchase_cycle", PurchaseCycle.choices)
# The sales channels every installation starts with (services.DEFAULT_CHANNELS); an order's
# `channel` is one of them. A channel added later reads humanised until it is named here.
labels.register("catalog.channel", {
    "web": _("Web shop"),
    "app": pgettext_lazy("sales channel", "App"),
    "marketplace": pgettext_lazy("sales channel", "Marketplace"),
    "pos": _("Store POS"),
    "mpos": _("Mobile POS"),
    "chat": pgettext_lazy("sales channel", "Chat"),
    "phone": pgettext_lazy("sales channel", "Phone"),
})
# The fields the consistency audit compares (consistency.FIELDS).
labels.register("catalog.field", {
    "price": pgettext_lazy("listing field", "Price"),
    "title": pgettext_lazy("listing field", "Title"),
    "description": pgettext_lazy("listing field", "Description"),
    "published": pgettext_lazy("listing field", "Published"),
    "stock": pgettext_lazy("listing field", "Stock"),
    "name_en": _("Name (English)"),
    "description_en": _("Description (English)"),
    "title_en": _("Title (English)"),
    "name_es": _("Name (Spanish)"),
    "variants": _("Variants"),
    "category": _("Category"),
    "brand": _("Brand"),
})
# The values the audit reports for publication (consistency.py), beside prices and texts as they are.
labels.register("catalog.value", {
    "published": _("published"),
    "hidden": _("hidden"),
}, free_text=True)

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("catalog.field", {
    "active": pgettext_lazy("field", "Active"),
    "file": pgettext_lazy("field", "File"),
    "files": pgettext_lazy("field", "Files"),
    "handle": pgettext_lazy("field", "Handle (web address)"),
    "variants.attributes": pgettext_lazy("field", "Variant attributes"),
    "variants.gtin": pgettext_lazy("field", "Barcode (GTIN)"),
    "parent": pgettext_lazy("field", "Parent category"),
    "purchase_cycle": pgettext_lazy("field", "Purchase cycle (days)"),
    "replenish_days": pgettext_lazy("field", "Replenish after (days)"),
    "slug": pgettext_lazy("field", "Web address"),
    "size": pgettext_lazy("field", "Size"),
    "color": pgettext_lazy("field", "Colour"),
    "sort": pgettext_lazy("field", "Sort by"),
    "tag": pgettext_lazy("field", "Tag"),
    "available": pgettext_lazy("field", "Available"),
})

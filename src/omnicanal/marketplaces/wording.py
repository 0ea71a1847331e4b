"""The marketplaces domain's words (core/labels.py): its field names beside a validation error."""

from django.utils.translation import pgettext_lazy

from omnicanal.core import labels

labels.register("marketplaces.field", {
    "access_token": pgettext_lazy("field", "Access token"),
    "refresh_token": pgettext_lazy("field", "Refresh token"),
    "expires_in": pgettext_lazy("field", "Expires in (seconds)"),
    "seller_id": pgettext_lazy("field", "Seller id"),
    "site_id": pgettext_lazy("field", "Marketplace site"),
    "nickname": pgettext_lazy("field", "Seller nickname"),
    "item_id": pgettext_lazy("field", "Marketplace item"),
})

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
    "user_product_id": pgettext_lazy("field", "Marketplace user product"),
    "product": pgettext_lazy("field", "Product"),
    "category_id": pgettext_lazy("field", "Marketplace category"),
    "listing_type_id": pgettext_lazy("field", "Listing type"),
    "condition": pgettext_lazy("field", "Condition"),
    "multi_warehouse": pgettext_lazy("field", "Stock per warehouse"),
    "warehouses": pgettext_lazy("field", "Warehouses"),
    "warehouses.store_id": pgettext_lazy("field", "Marketplace warehouse"),
})

# The item's status on the marketplace (Mercado Libre's codes), for the publication page.
labels.register("marketplaces.remote_status", {
    "active": pgettext_lazy("marketplace item", "active"),
    "paused": pgettext_lazy("marketplace item", "paused"),
    "closed": pgettext_lazy("marketplace item", "closed"),
    "under_review": pgettext_lazy("marketplace item", "under review"),
    "inactive": pgettext_lazy("marketplace item", "inactive"),
    "": pgettext_lazy("marketplace item", "not confirmed yet"),
})

labels.register("marketplaces.listing_state", {
    "active": pgettext_lazy("marketplace listing", "active"),
    "held": pgettext_lazy("marketplace listing", "held: out of policy"),
    "unlisted": pgettext_lazy("marketplace listing", "not on the marketplace"),
})

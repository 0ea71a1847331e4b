"""`{% wishlist_button handle %}`: the product page's "Save to wishlist" / "Saved" toggle, a plain
form posting to /wishlist/ (works without JavaScript) for whoever is shopping, signed in or not."""

from __future__ import annotations

from typing import Any

from django import template

from omnicanal.storefront import lists
from omnicanal.storefront.account_services import wishlist_owner

register = template.Library()


@register.inclusion_tag("storefront/account/_wishlist_button.html", takes_context=True)
def wishlist_button(context: template.Context, handle: str) -> dict[str, Any]:
    shop = context.get("shop") or {}
    shopper = shop.get("shopper") if isinstance(shop, dict) else None
    request = context.get("request")
    return {"handle": handle, "saved": shopper is not None and lists.in_wishlist(wishlist_owner(shopper), handle),
            "next": request.get_full_path() if request is not None else "", "csrf_token": context.get("csrf_token")}

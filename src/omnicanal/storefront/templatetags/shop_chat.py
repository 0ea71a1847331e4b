"""`{% shop_chat %}`: the web chat widget's script tag on every shop page (storefront/base.html).

The tag names the business's web chat inbox and, for a signed-in shopper, their verified email with
(or, signed in by phone, their verified phone) with the HMAC channels computes server-side (channels.queries.webchat_embed): the agent sees who is
writing and the conversation is that customer's, continuing on WhatsApp or email later.
"""

from __future__ import annotations

from typing import Any

from django import template

from omnicanal.channels import queries as channels
from omnicanal.core.errors import NotFound
from omnicanal.customers import queries as customers

register = template.Library()


def shopper_address(customer_id: str) -> dict[str, str]:
    """The signed-in customer's verified email (the oldest), else their verified phone (a shopper who
    signed in by phone); {} when they have neither or are gone. An unverified address is never
    vouched for: the widget would make it a verified identity."""
    if not customer_id:
        return {}
    try:
        identities = customers.identities_of(customer_id)
    except NotFound:
        return {}
    for kind in ("email", "phone"):
        value = next((i.value for i in identities if i.kind == kind and i.verified), "")
        if value:
            return {kind: value}
    return {}


@register.inclusion_tag("storefront/_chat.html", takes_context=True)
def shop_chat(context: template.Context) -> dict[str, Any]:
    shop = context.get("shop") or {}
    shopper = shop.get("shopper") if isinstance(shop, dict) else None
    address = shopper_address(getattr(shopper, "customer_id", "") or "")
    return {"chat": channels.webchat_embed(**address), "csp_nonce": context.get("csp_nonce", ""),
            "LANGUAGE_CODE": context.get("LANGUAGE_CODE", "")}

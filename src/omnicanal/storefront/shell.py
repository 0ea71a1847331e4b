"""What every shop page shares: the brand, the shopper and their cart count, rendered in one place.

Pages call `render_shop(request, template, context)`; the base template (storefront/base.html) reads
the `shop` entry this module builds, so no page repeats the header's queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omnicanal.storefront import browsing
from omnicanal.storefront.auth import shopper_from_cookie


@dataclass(frozen=True)
class Brand:
    name: str
    logo: str
    color: str
    accent: str


def brand() -> Brand:
    config = settings.OMNICANAL
    return Brand(
        name=config["BUSINESS_NAME"], logo=config["BRAND_LOGO"], color=config["BRAND_COLOR"],
        accent=config["BRAND_ACCENT"],
    )


def shop_context(request: HttpRequest) -> dict[str, Any]:
    """The header's facts: who is shopping (anonymous until signed in) and how many units are in the cart."""
    shopper = shopper_from_cookie(request)  # the session cookie (storefront/auth.py)
    return {
        "brand": brand(),
        "shopper": shopper,
        "cart_count": getattr(shopper, "cart_count", 0) if shopper is not None else 0,
    }


def shopper_channel(request: HttpRequest) -> str:
    """The sales channel the shopper is on: their session's (web or app; the Store API's bearer or the
    pages' cookie, which an app's web view carries), the web shop by default."""
    shopper = shopper_from_cookie(request)  # the bearer's shopper when the Store API authenticated it
    return getattr(shopper, "channel", None) or "web"


def render_shop(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *,
                status: int = 200) -> HttpResponse:
    response = render(request, template, {"shop": shop_context(request), **(context or {})}, status=status)
    browsing.keep_device_list(request, response)  # "recently viewed" of an anonymous device: its cookie
    return response

"""The shop with a cart filled: a signed link (a chat answer carries it, docs/bot.md) that puts its
lines in the opening device's cart and shows the cart, so a customer continues on another device.

The token is django.core.signing with a salt of its own (no other signed value of the site opens
it) and a time stamp; it names SKUs and quantities only, never a customer: whoever opens it gets the
lines in their own cart. Setting a line is idempotent, so opening the link twice changes nothing more.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from omnicanal.core.errors import Problem
from omnicanal.storefront import services
from omnicanal.storefront.account_pages import _ensure_shopper, _problem_text, _redirect

SALT = "omnicanal.storefront.cart-link"
MAX_AGE = 7 * 24 * 3600
MAX_LINES = 10


def cart_url(lines: list[tuple[str, int]]) -> str:
    """An absolute link (from PUBLIC_URL, else the path) that fills the cart with `lines`."""
    token = signing.dumps({"l": [[sku, int(q)] for sku, q in lines[:MAX_LINES]]}, salt=SALT, compress=True)
    return f"{settings.OMNICANAL.get('PUBLIC_URL') or ''}{reverse('shop-cart-link', args=[token])}"


@require_safe
def open_cart_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("This link is not valid any more; the products are in the shop."))
        return _redirect(reverse("shop-home"))
    shopper, cookie = _ensure_shopper(request)
    try:
        with transaction.atomic():
            for sku, quantity in data.get("l", [])[:MAX_LINES]:
                services.do_set_cart_line(shopper=shopper, sku=str(sku), quantity=max(1, min(int(quantity), 99)))
    except Problem as problem:
        messages.error(request, _problem_text(problem))
    else:
        messages.success(request, _("Your cart is ready."))
    return _redirect(reverse("shop-cart"), cookie)

"""Signed links a bot answer carries, so the customer continues on another device or channel:
the order's tracking page (orders.queries.OrderStatusView.tracking_url), the return label
(orders.queries.ReturnView.label_url) and the shop with the cart filled (storefront.cart_links)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from omnicanal.storefront import cart_links


def cart(sku: str, *, quantity: int = 1) -> str:
    return cart_links.cart_url([(sku, quantity)])


def account_loyalty() -> str:
    return f"{settings.OMNICANAL.get('PUBLIC_URL') or ''}{reverse('shop-account-loyalty')}"

"""The order book's place in the customer's registry (merge, export, erasure, 360 panels and the
single view's cart and recent orders) — registered here, found at start-up."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from omnicanal.customers import registry
from omnicanal.loyalty import funding
from omnicanal.orders import privacy, queries, services, visibility

# Gift cards and wallet top-ups are issued only against a payment the order book captured.
funding.register(queries.captured_funds)


@registry.on_merge
def merge_orders_and_carts(*, survivor_id: str, merged_id: str) -> None:
    services.do_merge_customer_carts(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_export("orders")
def export_orders(customer_id: str) -> dict:
    return queries.export_customer(customer_id)


@registry.on_erase
def erase_orders(*, customer_id: str) -> None:
    privacy.do_erase_customer(customer_id=customer_id)
    services.do_erase_cards(customer_id=customer_id)  # saved cards go, here and (after the commit) at Transbank


registry.personal_values(privacy.personal_values)


def _cart_summary(customer_id: str):
    cart = queries.active_cart(customer_id)
    return queries.cart_dict(cart) if cart is not None else None


registry.register_summary(section="cart", provider=_cart_summary)
registry.register_summary(section="recent_orders", provider=queries.recent_orders)  # takes `principal`
registry.register_order_visibility(visibility.hidden_order_refs)


def render_orders_panel(request, customer_id: str) -> str:
    # The panel and its actions live in views (find an order, resend tracking, start a return, link
    # it to the conversation open beside it).
    from omnicanal.orders import views

    return views.panel_html(request, customer_id)


registry.register_panel(name="orders", label=_("Orders and cart"), render=render_orders_panel, order=20)

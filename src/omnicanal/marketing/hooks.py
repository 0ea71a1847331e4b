"""Marketing fills the lower domains' registries (imported by MarketingConfig.ready()): the shop's
recommendations (storefront.registry: the Store API's GET /recommendations and the home, product
and cart pages) and the customer 360's panel (customers.registry). Neither imports marketing."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from omnicanal.core.auth import role_allows
from omnicanal.core.console import principal
from omnicanal.customers import registry as customers_registry
from omnicanal.marketing import queries, roles
from omnicanal.storefront import registry as storefront_registry

PANEL_ITEMS = 6


@storefront_registry.recommendation_source
def recommend(ask: storefront_registry.RecommendationAsk) -> list[storefront_registry.Recommendation]:
    found = queries.recommend(customer_id=ask.customer_id, channel=ask.channel, context=ask.context, handle=ask.handle,
                              cart_skus=ask.cart_skus, limit=ask.limit, language=ask.language, kind=ask.kind,
                              store=ask.store)
    return [storefront_registry.Recommendation(sku=r.sku, handle=r.handle, name=r.name, reason=r.reason) for r in found]


def render_panel(request, customer_id: str) -> str:
    if not role_allows(principal(request), roles.PANEL):
        return ""
    language = "en" if (getattr(request, "LANGUAGE_CODE", "") or "es").startswith("en") else "es"
    return render_to_string("marketing/_panel.html", {
        "cycles": queries.purchase_cycles(customer_id, language=language),
        "recommendations": queries.recommend(customer_id=customer_id, channel="web", limit=PANEL_ITEMS,
                                             language=language),
    }, request=request)


customers_registry.register_panel(name="marketing", label=_("Recommendations and purchase cycles"),
                                  render=render_panel, order=60)


# Flows: back in stock at my store, from the product page and the Store API (marketing.flow_shop).
from omnicanal.marketing import flow_shop  # noqa: E402

storefront_registry.register_product_panel(name="back_in_stock", render=flow_shop.render_panel, order=40)
storefront_registry.register_store_router(flow_shop.router)

"""The shop's browse pages: parse, ask the owners' queries, render (mobile first, no JavaScript required).

home, the category index (the categories menu without JavaScript), a category with its facets,
search, and the product page. Prices and publication come from catalog.queries (channel_prices is
the rule), stock and opening hours from inventory.queries, promise dates from orders.queries.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from omnicanal.catalog import queries as catalog
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders
from omnicanal.storefront import browsing
from omnicanal.storefront.compression import compressed_when_public
from omnicanal.storefront.shell import render_shop, shopper_channel

FEATURED = 8
SORTS = [("relevance", _("Most relevant")), ("price_asc", _("Price: low to high")),
         ("price_desc", _("Price: high to low")), ("newest", _("Newest"))]


def _point(request: HttpRequest) -> tuple[float | None, float | None]:
    """The shopper's location when they allowed it (?lat=&lon=); anything malformed is no location."""
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _browse_context(request: HttpRequest, menu=None) -> dict:
    return {"menu": catalog.shop_categories(language=browsing.language()) if menu is None else menu}


def _find(nodes, slug: str):
    """The category `slug` in a tree already read (the menu), so a category page reads the tree once."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.slug == slug:
            return node
        stack.extend(node.children)
    return None


@require_GET
@compressed_when_public
def home(request: HttpRequest) -> HttpResponse:
    channel = shopper_channel(request)
    featured = catalog.search_catalog(channel=channel, sort="newest", per_page=FEATURED, language=browsing.language(),
                                      facets=False)
    because_viewed = browsing.recommended(request, channel=channel, context="home", kind="because_viewed")
    shown = {found.card.handle for found in because_viewed}  # a card once on the page: in the list that says why best
    return render_shop(request, "storefront/browse/home.html", {
        **_browse_context(request), "featured": featured.items,
        "recent": browsing.recently_viewed(request, channel=channel),
        "because_viewed": because_viewed,
        "recommended": [found for found in browsing.recommended(request, channel=channel, context="home",
                                                                limit=4 + len(shown))
                        if found.card.handle not in shown][:4],
    })


@require_GET
@compressed_when_public
def categories(request: HttpRequest) -> HttpResponse:
    return render_shop(request, "storefront/browse/categories.html", _browse_context(request))


def _listing(request: HttpRequest, template: str, *, category=None, menu=None) -> HttpResponse:
    channel = shopper_channel(request)
    filters = browsing.read_filters(request.GET)
    result, pickup = browsing.search(filters, channel=channel, category=category.slug if category else "")
    return render_shop(request, template, {
        **_browse_context(request, menu), "category": category, "result": result, "filters": filters, "q": filters.q,
        "pickup": pickup, "pickup_stores": inventory.pickup_locations(channel=channel),
        "sorts": SORTS,
    })


@require_GET
@compressed_when_public
def category(request: HttpRequest, slug: str) -> HttpResponse:
    menu = catalog.shop_categories(language=browsing.language())
    found = _find(menu, slug)
    if found is None:
        raise Http404
    return _listing(request, "storefront/browse/category.html", category=found, menu=menu)


@require_GET
@compressed_when_public
def search(request: HttpRequest) -> HttpResponse:
    return _listing(request, "storefront/browse/search.html")


@require_GET
@compressed_when_public
def product(request: HttpRequest, handle: str) -> HttpResponse:
    channel = shopper_channel(request)
    found = catalog.shop_product(handle, channel=channel, language=browsing.language())
    if found is None:
        raise Http404
    variant = found.variant(request.GET.get("sku"))
    lat, lon = _point(request)
    store = browsing.chosen_store(request, channel=channel)
    stock = inventory.availability_many(skus=[v.sku for v in found.variants], channel=channel, lat=lat, lon=lon)
    here = stock[variant.sku]
    pickup_stores = inventory.pickup_locations(channel=channel)
    stores = browsing.stores_for(here, pickup_locations=pickup_stores,
                                 point=(lat, lon) if lat is not None and lon is not None else None, chosen=store)
    browsing.remember_viewed(request, found.handle)
    return render_shop(request, "storefront/browse/product.html", {
        **_browse_context(request), "product": found, "variant": variant, "stores": stores,
        "available": here.available, "located": lat is not None,
        "choices": [(v, stock[v.sku].available > 0) for v in found.variants],
        "pickup_today": [s for s in stores if s.pickup_today],
        "ships": any(loc.ships and loc.available > 0 for loc in here.locations),
        "promises": orders.delivery_promises(methods=("ship",)),
        "pickup_stores": pickup_stores, "store": store,
        "recent": browsing.recently_viewed(request, channel=channel, exclude=found.handle, limit=4),
        "recommended": browsing.recommended(request, channel=channel, context="product", handle=found.handle),
    })

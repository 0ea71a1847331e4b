"""Store API: products and search (mounted by store_api at /api/store/v1).

What the shop's pages show, for the app and partner front-ends: published on the session's channel
(shell.shopper_channel), priced by the catalog's channel rule, stock per store from inventory.
Anonymous sessions may browse.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders
from omnicanal.storefront import browsing, lists, registry
from omnicanal.storefront.auth import browse_auth
from omnicanal.storefront.shell import shopper_channel

router = Router(tags=["store"])
PER_PAGE = 24


class PriceOut(Schema):
    amount: str
    currency: str


class ProductItem(Schema):
    handle: str
    name: str
    price: PriceOut
    url: str
    image_url: str | None = None


class ProductPage(Schema):
    items: list[ProductItem]
    total: int
    page: int
    pages: int


class ProductsQuery(Schema):
    q: str = Field("", max_length=200)
    category: str = Field("", max_length=80)
    page: int = Field(1, ge=1, le=10_000)


class StoreOut(Schema):
    code: str
    name: str
    available: int
    pickup_today: bool
    distance_km: float | None = None


class VariantOut(Schema):
    sku: str
    attributes: dict
    price: PriceOut
    available: int
    stores: list[StoreOut]


class RatingOut(Schema):
    average: float | None
    count: int


class ProductOut(Schema):
    handle: str
    name: str
    description: str
    url: str
    brand: str
    category: str
    images: list[str]
    variants: list[VariantOut]
    rating: RatingOut


class PointQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


def _rating(handle: str) -> dict:
    found = registry.rating(handle)
    return {"average": found.average, "count": found.count}


def _url(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


@router.get("/products", response=ProductPage, auth=browse_auth, summary="Products published on the session's channel")
def products(request: HttpRequest, query: Query[ProductsQuery]):
    """Products published on the session's channel, by search text and category, a page at a time."""
    result = catalog.search_catalog(channel=shopper_channel(request), q=query.q, category=query.category,
                                    page=query.page, per_page=PER_PAGE, language=browsing.language(),
                                    facets=False)  # the answer carries no facets: four queries saved
    return {
        "items": [{"handle": item.handle, "name": item.name, "price": item.price.as_dict(),
                   "url": _url(request, "shop-product", item.handle),
                   "image_url": request.build_absolute_uri(item.image_url) if item.image_url else None}
                  for item in result.items],
        "total": result.total, "page": result.page, "pages": result.pages,
    }


@router.get("/products/{handle}", response=ProductOut, auth=browse_auth, summary="A product with its variants and stock per store")
def product(request: HttpRequest, handle: str, point: Query[PointQuery]):
    """A product published on the session's channel, with its variants, prices, availability and the stores
    that have it (`lat`, `lon` sort them by distance), and its rating."""
    channel = shopper_channel(request)
    found = catalog.shop_product(handle, channel=channel, language=browsing.language())
    if found is None:
        raise NotFound(detail=_("No product %(handle)s.") % {"handle": handle})
    shopper = getattr(request, "shopper", None)
    if shopper is not None and shopper.signed_in:  # "continue where you left off" on every device
        with transaction.atomic():
            lists.do_remember_viewed(customer_id=shopper.customer_id, handle=found.handle)
    stock = inventory.availability_many(skus=[v.sku for v in found.variants], channel=channel, lat=point.lat,
                                        lon=point.lon)
    located = (point.lat, point.lon) if point.lat is not None and point.lon is not None else None
    pickup_locations = inventory.pickup_locations(channel=channel)
    return {
        "handle": found.handle, "name": found.name, "description": found.description,
        "url": _url(request, "shop-product", found.handle), "brand": found.brand, "category": found.category,
        "images": [request.build_absolute_uri(image.url) for image in found.images],
        "variants": [{
            "sku": v.sku, "attributes": v.attributes, "price": v.price.as_dict(), "available": stock[v.sku].available,
            "stores": [{"code": s.code, "name": s.name, "available": s.available, "pickup_today": s.pickup_today,
                        "distance_km": s.distance_km} for s in browsing.stores_for(stock[v.sku], pickup_locations=pickup_locations, point=located)],
        } for v in found.variants],
        "rating": _rating(found.handle),  # from whoever registered (feedback's reviews)
    }


class RecommendationItem(Schema):
    sku: str
    handle: str
    name: str
    reason: str


class RecommendationsOut(Schema):
    items: list[RecommendationItem]
    kind: str = "for_you"


class RecommendationsQuery(Schema):
    context: str = Field("home", max_length=230, description="home, cart or product:{handle}")
    limit: int = Field(8, ge=1, le=24)
    kind: str = Field("for_you", max_length=30,
                      description="for_you (every signal) or because_viewed (like the signed-in shopper's recently "
                                  "viewed products; empty for an anonymous device)")
    store: str = Field("", max_length=40,
                       description="a store asking (its tablet, a pickup there): only what it can hand over now")


@router.get("/recommendations", response=RecommendationsOut, auth=browse_auth,
            summary="What to suggest to this shopper (home, cart or a product page), never what they may not buy here")
def recommendations(request: HttpRequest, query: Query[RecommendationsQuery]):
    """Suggestions for this shopper in a context (`home`, `cart` or `product:{handle}`), each with its
    reason; never what they may not buy on the session's channel. A signed-in shopper's suggestions
    follow their history on every channel."""
    kind, _sep, handle = query.context.partition(":")
    if kind not in ("home", "cart", "product") or (kind == "product") != bool(handle):
        raise ValidationFailed.on("context", _("Use home, cart or product:{handle}."))
    if query.kind not in registry.RECOMMENDATION_KINDS:
        raise ValidationFailed.on("kind", _("Use for_you or because_viewed."))
    store = query.store.strip().upper()
    if store and ((found_store := inventory.location_info(store)) is None or not found_store.active):
        raise ValidationFailed.on("store", _("No store %(code)s.") % {"code": query.store})
    shopper = getattr(request, "shopper", None)
    customer_id = shopper.customer_id if shopper is not None else ""
    cart_id = shopper.cart_id if shopper is not None else ""
    found = registry.recommendations(registry.RecommendationAsk(
        customer_id=customer_id, channel=shopper_channel(request), context=kind, handle=handle,
        cart_skus=orders.cart_skus(cart_id=cart_id) if cart_id else (), limit=query.limit,
        language=browsing.language(), kind=query.kind, store=store))
    return {"kind": query.kind,
            "items": [{"sku": r.sku, "handle": r.handle, "name": r.name, "reason": r.reason} for r in found]}

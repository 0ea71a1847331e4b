"""What the shop's browse pages and the Store API's product endpoints share: the shopper's language,
filters read from a query string, the device's recently viewed products and chosen store, and a
product's availability per store as the shop shows it (nearest or chosen store first).

"Continue where you left off": a signed-in customer's list is storefront.lists' table (it follows them
to every device); an anonymous device's lives in a signed cookie (`shop_recent`) and joins the
customer's list the first time the device is seen signed in. A cookie, not the Django session: an
anonymous shopper browsing creates no session row and costs no session write per page (bench_shop).
Only `remember_viewed`, `recently_viewed` and `keep_device_list` know where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation

from omnicanal.catalog import queries as catalog
from omnicanal.customers import queries as customers_queries
from omnicanal.inventory import queries as inventory
from omnicanal.storefront import lists, registry
from omnicanal.storefront.auth import shopper_from_cookie

STORE_KEY = "storefront.store"
RECENT_COOKIE = "shop_recent"
RECENT_SALT = "omnicanal.storefront.recently_viewed"  # no other signed value of the site reads as this list
RECENT_DAYS = 90
RECENT_MAX = 12
MAX_FILTER_VALUES = 20  # per facet: a query string never makes the search do unbounded work


def language() -> str:
    return "en" if (translation.get_language() or "es").startswith("en") else "es"


def _signed_in_customer(request: HttpRequest) -> str:
    """The signed-in customer of the request ('' when anonymous); the device's own list, if any,
    joins theirs now."""
    shopper = shopper_from_cookie(request)
    customer_id = shopper.customer_id if shopper is not None else ""
    if customer_id and (device := _device_list(request)):
        with transaction.atomic():
            lists.do_merge_viewed(customer_id=customer_id, handles=device)
        request._shop_recent = []  # type: ignore[attr-defined]  # keep_device_list drops the cookie
    return customer_id


def _device_list(request: HttpRequest) -> list[str]:
    """This device's list: as changed during this request, else as its cookie says (a forged or
    stale cookie is an empty list)."""
    pending = getattr(request, "_shop_recent", None)
    if pending is not None:
        return pending
    try:
        value = signing.loads(request.COOKIES.get(RECENT_COOKIE, ""), salt=RECENT_SALT, max_age=RECENT_DAYS * 86400)
    except signing.BadSignature:
        return []
    return [h for h in value if isinstance(h, str) and 0 < len(h) <= 200][:RECENT_MAX] if isinstance(value, list) else []


def keep_device_list(request: HttpRequest, response: HttpResponse) -> None:
    """Writes this device's list to its cookie when the request changed it (render_shop calls it)."""
    pending = getattr(request, "_shop_recent", None)
    if pending is None:
        return
    if not pending:
        response.delete_cookie(RECENT_COOKIE, samesite="Lax")
        return
    response.set_cookie(RECENT_COOKIE, signing.dumps(pending, salt=RECENT_SALT, compress=True),
                        max_age=RECENT_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


def remember_viewed(request: HttpRequest, handle: str) -> None:
    """The shopper viewed the product. Viewing again the product at the top of the list changes
    nothing, so it writes nothing."""
    customer_id = _signed_in_customer(request)
    if customer_id:
        with transaction.atomic():
            lists.do_remember_viewed(customer_id=customer_id, handle=handle)
        return
    seen = _device_list(request)
    if seen[:1] != [handle]:
        request._shop_recent = [handle, *(h for h in seen if h != handle)][:RECENT_MAX]  # type: ignore[attr-defined]


def recent_handles(request: HttpRequest) -> list[str]:
    """The handles of "continue where you left off", most recent first: the customer's (every
    device) when signed in, else this device's."""
    customer_id = _signed_in_customer(request)
    if customer_id:
        return lists.viewed_handles(customer_id, limit=RECENT_MAX)
    return list(_device_list(request))


def recently_viewed(request: HttpRequest, *, channel: str, exclude: str = "", limit: int = 8) -> list:
    """The recently viewed products still published on the channel, most recent first."""
    handles = [h for h in recent_handles(request) if h != exclude][:limit]
    if not handles:
        return []
    found = {card.handle: card for card in catalog.search_catalog(
        channel=channel, handles=handles, per_page=limit, language=language(), facets=False).items}
    return [found[h] for h in handles if h in found]


def chosen_store(request: HttpRequest, *, channel: str) -> str:
    """The store this device chose (?store= remembers it); '' when none or no longer a pickup store.
    A signed-in customer's new choice becomes their preferred store (customers owns it: marketing
    checks promotions' stock there), and a device that chose none starts from it."""
    wanted = request.GET.get("store")
    shopper = shopper_from_cookie(request)
    customer_id = shopper.customer_id if shopper is not None else ""
    if wanted is not None:
        if wanted == "":
            request.session.pop(STORE_KEY, None)  # marks the session changed only when it held one
        elif (request.session.get(STORE_KEY) != wanted or customer_id) and any(
                loc.code == wanted for loc in inventory.pickup_locations(channel=channel)):
            if request.session.get(STORE_KEY) != wanted:
                request.session[STORE_KEY] = wanted  # only a new choice writes the session
            if customer_id:
                _remember_store(customer_id, wanted)  # writes only when it differs
    elif STORE_KEY not in request.session and customer_id:
        preferred = customers_queries.customer_summary(customer_id).preferred_store
        if preferred and any(loc.code == preferred for loc in inventory.pickup_locations(channel=channel)):
            request.session[STORE_KEY] = preferred
    code = request.session.get(STORE_KEY, "")
    return code if isinstance(code, str) else ""


def _remember_store(customer_id: str, store: str) -> None:
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_set_preferred_store(customer_id=customer_id, store=store)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    sort: str = "relevance"
    page: int = 1
    sizes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    pickup: str = ""  # a store code: only what it can hand over today
    errors: tuple[str, ...] = ()  # the names of the fields that were ignored as malformed


def _amount(raw: str | None) -> tuple[Decimal | None, bool]:
    if raw in (None, ""):
        return None, True
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None, False
    return (value, True) if value.is_finite() and 0 <= value < Decimal("1e12") else (None, False)


def read_filters(params: QueryDict) -> Filters:
    """The facet form (GET): malformed values are dropped and named in `errors`, never a 500."""
    errors = []
    price_min, ok = _amount(params.get("min"))
    if not ok:
        errors.append("min")
    price_max, ok = _amount(params.get("max"))
    if not ok:
        errors.append("max")
    try:
        page = max(1, min(int(params.get("page") or 1), 10_000))
    except ValueError:
        page = 1
        errors.append("page")
    sort = params.get("sort") or "relevance"
    if sort not in catalog.SEARCH_SORTS:
        sort = "relevance"
        errors.append("sort")

    def many(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v[:40] for v in params.getlist(name) if v))[:MAX_FILTER_VALUES]

    return Filters(q=(params.get("q") or "")[:200].strip(), sort=sort, page=page, sizes=many("size"),
                   colors=many("color"), brands=many("brand"), price_min=price_min, price_max=price_max,
                   pickup=(params.get("pickup") or "")[:30], errors=tuple(errors))


def search(filters: Filters, *, channel: str, category: str = "", per_page: int = 24):
    """(SearchResult, PickupFilter | None) for the filters; an unknown pickup store filters nothing.
    The pickup store's stock is inventory's SQL run inside the search's statement: live (the same
    read as the page's), never a copy of the store's SKUs (docs/storefront.md, "Speed")."""
    pickup = inventory.pickup_filter(channel=channel, location=filters.pickup) if filters.pickup else None
    closed = pickup is not None and pickup.variants is None  # closed for the rest of its day: nothing today
    result = catalog.search_catalog(
        channel=channel, q=filters.q, category=category, brands=filters.brands, sizes=filters.sizes,
        colors=filters.colors, price_min=filters.price_min, price_max=filters.price_max,
        only_skus=() if closed else None, only_variants=pickup.variants if pickup is not None else None,
        sort=filters.sort, page=filters.page, per_page=per_page, language=language())
    return result, pickup


@dataclass(frozen=True)
class StoreStock:
    code: str
    name: str
    available: int
    pickup_today: bool  # it has the unit free AND is open now or later today (never without stock)
    open_now: bool
    distance_km: float | None
    chosen: bool


def stores_for(availability, *, pickup_locations=(), point: tuple[float, float] | None = None,
               chosen: str = "") -> list[StoreStock]:
    """The stores and pickup points as the product page lists them: those with a stock row (from an
    inventory Availability) and the channel's other pickup locations with nothing; nearest first when
    the shopper gave a location, else their chosen store first, then the most available."""
    rows = [StoreStock(code=loc.code, name=loc.name, available=loc.available, pickup_today=loc.pickup_today,
                       open_now=loc.open_now, distance_km=loc.distance_km, chosen=loc.code == chosen)
            for loc in availability.locations if loc.kind in ("store", "pickup_point")]
    listed = {row.code for row in rows}
    rows += [StoreStock(code=loc.code, name=loc.name, available=0, pickup_today=False, open_now=False,
                        distance_km=inventory.distance_km(point, loc) if point else None, chosen=loc.code == chosen)
             for loc in pickup_locations if loc.code not in listed]
    if point is not None:
        rows.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0, s.code))
    else:
        rows.sort(key=lambda s: (not s.chosen, -s.available, s.name))
    return rows


@dataclass(frozen=True)
class Recommended:
    """A recommended product's card (published on the channel) and why it is shown."""

    card: catalog.ProductCard
    reason: str


def recommended(request: HttpRequest, *, channel: str, context: str, handle: str = "",
                cart_skus: tuple[str, ...] = (), limit: int = 4, kind: str = "for_you") -> list[Recommended]:
    """What the recommendation source (storefront.registry: marketing) suggests to this shopper,
    as the shop's cards; empty while no source registered. "because_viewed" is asked only for a
    signed-in shopper (the source keeps their views; an anonymous device's are its cookie's)."""
    shopper = shopper_from_cookie(request)
    customer_id = shopper.customer_id if shopper is not None else ""
    if kind == "because_viewed" and not customer_id:
        return []
    ask = registry.RecommendationAsk(customer_id=customer_id, channel=channel, context=context, handle=handle,
                                     cart_skus=tuple(cart_skus), limit=limit, language=language(), kind=kind)
    found = registry.recommendations(ask)
    if not found:
        return []
    cards = {card.handle: card for card in catalog.search_catalog(
        channel=channel, handles=[r.handle for r in found], per_page=len(found), language=language()).items}
    return [Recommended(card=cards[r.handle], reason=r.reason) for r in found if r.handle in cards]

"""The storefront's extension points, for domains above it (feedback's reviews today).

The shop's product page and the Store API show what other domains know about a product, without the
storefront importing them. They register here from their AppConfig.ready():

    from omnicanal.storefront import registry

    @registry.rating_source
    def rating(handle: str) -> registry.Rating: ...       # average (None: no reviews), count, distribution

    registry.register_product_panel(name="reviews", render=render_reviews, order=10)
    # render(request, handle) -> str: an HTML fragment the product page shows under the product
    # ({% product_panels product.handle %} from the storefront_registry template tags)

    registry.register_store_router(router)                # a ninja Router mounted at /api/store/v1
    # (storefront.store_api adds them; e.g. POST /reviews). Routes use storefront.auth's shopper_auth.

    registry.register_account_link(url_name="shop-reviews", label=_("Your reviews"), order=30)
    # a link in the account's "Your profile" list ({% account_links %})

    @registry.recommendation_source
    def recommend(ask: registry.RecommendationAsk) -> list[registry.Recommendation]: ...
    # what to show a shopper on `ask.channel` in `ask.context` ("home", "cart", "product"; with the
    # product's handle), never what they may not buy there; the Store API's GET /recommendations and
    # the shop's home, product and cart pages ask `registry.recommendations(ask)`. `ask.kind` is one of
    # RECOMMENDATION_KINDS ("for_you"; "because_viewed": only what is like the shopper's recently
    # viewed products); `ask.store`, a store asking (a store's tablet): only what it has now.

Until a source registers, a product has no rating (average None, count 0), no panels and no
recommendations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rating:
    average: float | None
    count: int
    distribution: dict[int, int] = field(default_factory=dict)  # stars -> reviews


@dataclass(frozen=True)
class ProductPanel:
    name: str
    render: Callable[[Any, str], str]
    order: int = 100


@dataclass(frozen=True)
class AccountLink:
    url_name: str
    label: Any  # a lazy translation
    order: int = 100


NO_RATING = Rating(average=None, count=0, distribution={})

_rating_sources: dict[str, Callable[[str], Rating]] = {}
_panels: dict[str, ProductPanel] = {}
_routers: dict[int, Any] = {}
_account_links: dict[str, AccountLink] = {}


def rating_source(func: Callable[[str], Rating]) -> Callable[[str], Rating]:
    _rating_sources[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def rating(handle: str) -> Rating:
    """The product's rating (the last source registered wins: there is one)."""
    return list(_rating_sources.values())[-1](handle) if _rating_sources else NO_RATING


def register_product_panel(*, name: str, render: Callable[[Any, str], str], order: int = 100) -> None:
    _panels[name] = ProductPanel(name=name, render=render, order=order)


def product_panels() -> list[ProductPanel]:
    return sorted(_panels.values(), key=lambda panel: panel.order)


def register_store_router(router: Any) -> None:
    _routers[id(router)] = router


def store_routers() -> list[Any]:
    return list(_routers.values())


def register_account_link(*, url_name: str, label: Any, order: int = 100) -> None:
    _account_links[url_name] = AccountLink(url_name=url_name, label=label, order=order)


def account_links() -> list[AccountLink]:
    return sorted(_account_links.values(), key=lambda link: link.order)


@dataclass(frozen=True)
class RecommendationAsk:
    customer_id: str  # "" for an anonymous shopper
    channel: str  # the session's sales channel (web, app)
    context: str  # home | cart | product
    handle: str = ""  # the product page's product (context "product")
    cart_skus: tuple[str, ...] = ()  # the shopper's cart (an anonymous device's too)
    limit: int = 8
    language: str = "es"
    kind: str = "for_you"  # one of RECOMMENDATION_KINDS
    store: str = ""  # the asking store's location code ("" none): only what it can hand over now


# "for_you": every signal the source has; "because_viewed": what is like, or was viewed with, the
# signed-in shopper's recently viewed products, each reason naming one (none for an anonymous device).
RECOMMENDATION_KINDS = ("for_you", "because_viewed")


@dataclass(frozen=True)
class Recommendation:
    sku: str
    handle: str
    name: str
    reason: str  # in the asker's language ("Porque compraste …")


_recommenders: dict[str, Callable[[RecommendationAsk], list[Recommendation]]] = {}


def recommendation_source(func: Callable[[RecommendationAsk], list[Recommendation]]):
    _recommenders[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def recommendations(ask: RecommendationAsk) -> list[Recommendation]:
    """What to recommend (the last source registered answers: there is one); none until one registers."""
    return list(_recommenders.values())[-1](ask) if _recommenders else []

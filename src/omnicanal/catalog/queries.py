"""Reads of the catalog for other domains, the API and the console (no writes).

The catalog owns channels, channel prices and publication: `channel_prices(skus, channel)` is the
one place that decides what a SKU costs on a channel and whether that channel sells it, and
`check_channel(code)` the one place that decides what is a channel. Orders, inventory, the console
and the consistency audit ask here (docs/catalog-inventory.md, "Who decides a channel price").
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from omnicanal.catalog import search
from omnicanal.catalog.models import Category, Channel, Listing, Product, ProductImage, Variant
from omnicanal.core import memo
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.core.ids import has_prefix
from omnicanal.core.libpq import HotStatement
from omnicanal.core.money import Money
from omnicanal.core.queries import get_or_404

# The shop's reads (catalog/search.py: text search, facets, product pages), asked for here like
# every other read of the catalog; search_catalog and shop_product (below) hand in channel_prices.
Facets = search.Facets
FacetValue = search.FacetValue
PriceRange = search.PriceRange
ProductCard = search.ProductCard
SearchResult = search.SearchResult
ShopCategory = search.ShopCategory
ShopImage = search.ShopImage
ShopProduct = search.ShopProduct
ShopVariant = search.ShopVariant
VariantQuery = search.VariantQuery
SEARCH_SORTS = search.SORTS
shop_categories = search.shop_categories
shop_category = search.shop_category


class PricePolicy(StrEnum):
    """Whose price a channel charges: the listing's own, else the variant's, else the product's."""

    LISTING = "listing"
    VARIANT = "variant"
    PRODUCT = "product"


@dataclass(frozen=True)
class ChannelPrice:
    """What one channel charges for one SKU and whether it sells it: decided only by `_decide`."""

    sku: str
    channel: str
    price: Money  # the effective price on this channel
    published: bool  # the listing's flag, else the channel's publish_by_default
    listing_price: Money | None  # the listing's own price (the override), None when it has none
    policy: PricePolicy  # which rule gave `price`
    base_price: Money  # the price without the channel: the variant's, else the product's
    has_listing: bool
    active: bool  # the product is on sale at all; an inactive product is sold on no channel
    title: str  # what the channel calls it: the listing's Spanish title, else the product's name
    options: str  # the variant's attribute values, "42 negro"
    category: str  # the product's category slug

    @property
    def sellable(self) -> bool:
        """An order on this channel may take it."""
        return self.active and self.published


def _base_price(variant_price: Decimal | None, product_price: Decimal) -> tuple[Decimal, PricePolicy]:
    if variant_price is not None:
        return Decimal(variant_price), PricePolicy.VARIANT
    return Decimal(product_price), PricePolicy.PRODUCT


def _decide(*, sku: str, channel: str, currency: str, variant_price: Decimal | None, product_price: Decimal,
            publish_by_default: bool, has_listing: bool, listing_price: Decimal | None, listing_published: bool,
            active: bool, title: str, options: str, category: str) -> ChannelPrice:
    """The rule: the listing's price, else the variant's, else the product's; published as the
    listing says, else as the channel's publish_by_default says."""
    base, policy = _base_price(variant_price, product_price)
    override = Money(Decimal(listing_price), currency) if has_listing and listing_price is not None else None
    return ChannelPrice(
        sku=sku, channel=channel, price=override if override is not None else Money(base, currency),
        published=bool(listing_published) if has_listing else bool(publish_by_default),
        listing_price=override, policy=PricePolicy.LISTING if override is not None else policy,
        base_price=Money(base, currency), has_listing=has_listing, active=bool(active), title=title,
        options=options, category=category,
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _prices_sql(n: int) -> str:
    return (
        "SELECT v.sku, v.price, v.attributes, p.base_price, p.currency, p.name_es, p.active, c.slug, "
        "l.id, l.price, l.published, l.title_es, ch.publish_by_default "
        f"FROM {_table(Variant)} v JOIN {_table(Product)} p ON p.id = v.product_id "
        f"JOIN {_table(Category)} c ON c.id = p.category_id "
        f"LEFT JOIN {_table(Channel)} ch ON ch.code = %s "
        f"LEFT JOIN {_table(Listing)} l ON l.variant_id = v.id AND l.channel_id = %s "
        f"WHERE v.sku IN ({', '.join(['%s'] * n)})"
    )


@functools.cache
def _prices_hot() -> HotStatement:
    """_prices_sql's statement, prepared once whatever the number of SKUs (an array)."""
    head = _prices_sql(0).split(" WHERE ")[0].replace("ch.code = %s", "ch.code = %(channel)s::text")
    head = head.replace("l.channel_id = %s", "l.channel_id = %(channel)s::text")
    return HotStatement("omnicanal_channel_prices", head + " WHERE v.sku = ANY(%(skus)s::text[])")


def _price_row(row: tuple[str | None, ...]) -> tuple:
    """A row of libpq's text as the cursor hands it: numerics as Decimal, booleans, the listing's id."""
    (sku, v_price, attributes, base, currency, name, active, category, l_id, l_price, l_published, l_title,
     by_default) = row

    def decimal(value):
        return Decimal(value) if value is not None else None

    def boolean(value):
        return value == "t" if value is not None else None

    return (sku, decimal(v_price), attributes, decimal(base), currency, name, boolean(active), category,
            int(l_id) if l_id is not None else None, decimal(l_price), boolean(l_published), l_title,
            boolean(by_default))


def _options(attributes) -> str:
    if isinstance(attributes, str):  # SQLite hands JSON back as text
        attributes = json.loads(attributes or "{}")
    return " ".join(str(v) for v in (attributes or {}).values())


def channel_prices(skus: list[str], channel: str) -> dict[str, ChannelPrice]:
    """{sku: ChannelPrice} on `channel`, in one query whatever the number of SKUs. Unknown SKUs are
    left out; an unknown channel is a 422 on `channel`. Inactive channels still answer (their open
    orders and carts are priced as before)."""
    skus = list(dict.fromkeys(skus))
    if not skus:
        return {}
    if connection.vendor == "postgresql":  # through libpq (core.libpq): every order and cart prices its lines
        rows = [_price_row(row) for row in _prices_hot().run({"channel": channel, "skus": skus})]
    else:
        with connection.cursor() as cursor:
            cursor.execute(_prices_sql(len(skus)), [channel, channel, *skus])
            rows = cursor.fetchall()
    out = {}
    for (sku, v_price, attributes, base, currency, name, active, category, l_id, l_price, l_published, l_title,
         by_default) in rows:
        if by_default is None:
            raise ValidationFailed.on("channel", _("no channel %(channel)s") % {"channel": channel})
        out[sku] = _decide(
            sku=sku, channel=channel, currency=currency, variant_price=v_price, product_price=base,
            publish_by_default=by_default, has_listing=l_id is not None, listing_price=l_price,
            listing_published=l_published, active=active, title=l_title or name, options=_options(attributes),
            category=category)
    return out


def priced_variants(channel: str) -> QuerySet[Variant]:
    """The variants `channel` sells, annotated `shop_price` (and the product's `currency`): `_decide`'s
    rule as one SQL expression, for set-based reads that price thousands of variants at once (the
    shop's search filters, counts, sorts and pages in the database). Same rule: the listing's price,
    else the variant's, else the product's; published as the listing says, else as the channel's
    publish_by_default; never an inactive product. test_search checks both agree. Unknown channel: 422."""
    if not channel_exists(channel):  # the process's channel list: no query once read
        raise ValidationFailed.on("channel", _("no channel %(channel)s") % {"channel": channel})
    # The channel's default is read in the same statement (a subquery), never remembered here.
    by_default = Subquery(Channel.objects.filter(code=channel).values("publish_by_default")[:1])
    return (Variant.objects.annotate(channel_listing=FilteredRelation("listings", condition=Q(listings__channel_id=channel)))
            .annotate(shop_price=Coalesce("channel_listing__price", "price", "product__base_price"),
                      shop_published=Case(When(channel_listing__id__isnull=False, then=F("channel_listing__published")),
                                          default=by_default, output_field=BooleanField()),
                      currency=F("product__currency"))
            .filter(product__active=True, shop_published=True))


def base_prices(skus: list[str]) -> dict[str, Money]:
    """{sku: the price without any channel} (the variant's, else the product's): stock valuation."""
    rows = Variant.objects.filter(sku__in=list(dict.fromkeys(skus))).values_list(
        "sku", "price", "product__base_price", "product__currency")
    return {sku: Money(_base_price(v_price, p_price)[0], currency) for sku, v_price, p_price, currency in rows}


# Channels are few and never deleted (PROTECT): each process remembers {code: active} and re-reads on a miss.
_channel_state: dict[str, bool] = {}


def _channel_active(code: str) -> bool | None:
    if not _channel_state.get(code):
        _channel_state.update(Channel.objects.values_list("code", "active"))
    return _channel_state.get(code)


def check_channel(code: str, *, field: str = "channel") -> str:
    """`code` is a sales channel of the catalog that sells now (active), else a 422 on `field`. The
    one meaning of "a channel" for carts, orders and the POS."""
    if not isinstance(code, str) or not _channel_active(code):
        raise ValidationFailed.on(field, _("no channel %(channel)s") % {"channel": code})
    return code


def channel_exists(code: str) -> bool:
    """The code names a channel of the catalog, active or not (a reservation of an open order of a
    channel closed since still refers to it)."""
    return isinstance(code, str) and _channel_active(code) is not None


def forget_channels() -> None:
    """After a channel's row changes in this process (catalog services, tests)."""
    _channel_state.clear()


@dataclass(frozen=True)
class EffectiveListing:
    """What a channel shows for a variant: the listing's overrides, else the product's."""

    channel: str
    sku: str
    price: Money
    title: str
    title_en: str
    description: str
    description_en: str
    published: bool
    price_overridden: bool
    title_overridden: bool
    description_overridden: bool
    has_listing: bool


def get_product(ref: str) -> Product:
    """By public id (prd_…), handle or the SKU of one of its variants."""
    products = Product.objects.select_related("category", "brand")
    if has_prefix(ref, "prd"):
        found = products.filter(public_id=ref).first()
    else:
        found = products.filter(Q(handle=ref) | Q(variants__sku=ref)).first()
    if found is None:
        raise NotFound(detail=f"No product {ref}.")
    return found


def get_variant(sku: str) -> Variant:
    return get_or_404(Variant.objects.select_related("product", "product__category"), f"No variant with SKU {sku}.", sku=sku)


def get_channel(code: str) -> Channel:
    return get_or_404(Channel.objects.all(), f"No channel {code}.", pk=code)


def channels(*, active_only: bool = True) -> list[Channel]:
    qs = Channel.objects.all()
    return list(qs.filter(active=True) if active_only else qs)


def channel_codes(*, active_only: bool = True) -> list[str]:
    qs = Channel.objects.filter(active=True) if active_only else Channel.objects.all()
    return list(qs.values_list("code", flat=True))


def categories() -> list[Category]:
    return list(Category.objects.select_related("parent").annotate(product_count=Count("products")))


def return_windows(slugs: Iterable[str]) -> dict[str, int]:
    """{slug: days} of the categories among these that set their own return window (0: not
    returnable); a category that sets none is absent: the business's default applies (orders)."""
    wanted = {s for s in slugs if s}
    if not wanted:
        return {}
    return dict(Category.objects.filter(slug__in=wanted, return_window_days__isnull=False)
                .values_list("slug", "return_window_days"))


def category_path(category: Category) -> list[Category]:
    """Root first: [Running, Zapatillas]."""
    path = [category]
    seen = {category.pk}
    while path[0].parent_id and path[0].parent_id not in seen:
        parent = Category.objects.get(pk=path[0].parent_id)
        seen.add(parent.pk)
        path.insert(0, parent)
    return path


def purchase_cycle(sku: str) -> tuple[str, int | None]:
    """(cycle, replenish_days) of a variant's category, for engagement's purchase cycles."""
    variant = get_variant(sku)
    category = variant.product.category
    return category.purchase_cycle, category.replenish_days


def search_products(
    *, q: str = "", category: str = "", brand: str = "", active: bool | None = None
) -> QuerySet[Product]:
    """The staff's product search (console, /api/v1/products): every product, active or not, by the
    shop's text search (typos and accents forgiven), a piece of its name or handle, a SKU, a barcode or
    its public id."""
    qs = Product.objects.select_related("category", "brand").annotate(variant_count=Count("variants", distinct=True))
    if q:
        scores, _corrections = search.text_matches(q)
        qs = qs.filter(
            Q(pk__in=list(scores or {})) | Q(name_es__icontains=q) | Q(name_en__icontains=q) | Q(handle__icontains=q)
            | Q(variants__sku__iexact=q) | Q(variants__gtin=q) | Q(public_id=q)
        ).distinct()
    if category:
        qs = qs.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    if brand:
        qs = qs.filter(brand__slug=brand)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("name_es", "id")


def product_with_variants(ref: str) -> Product:
    product = get_product(ref)
    return (
        Product.objects.select_related("category", "brand")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .get(pk=product.pk)
    )


def variant_price(variant: Variant, product: Product | None = None) -> Decimal:
    product = product or variant.product
    return _base_price(variant.price, product.base_price)[0]


def channel_price(variant: Variant, product: Product, channel: Channel, listing: Listing | None) -> ChannelPrice:
    """`channel_prices` for rows already loaded (the console's matrix, the audit): the same rule."""
    return _decide(
        sku=variant.sku, channel=channel.code, currency=product.currency, variant_price=variant.price,
        product_price=product.base_price, publish_by_default=channel.publish_by_default,
        has_listing=listing is not None, listing_price=listing.price if listing is not None else None,
        listing_published=listing.published if listing is not None else False, active=product.active,
        title=(listing.title_es if listing is not None else "") or product.name_es,
        options=_options(variant.attributes), category=product.category.slug)


def effective(variant: Variant, product: Product, channel: Channel, listing: Listing | None) -> EffectiveListing:
    priced = channel_price(variant, product, channel, listing)
    has = listing is not None
    title_over = has and bool(listing.title_es)
    desc_over = has and bool(listing.description_es)
    return EffectiveListing(
        channel=channel.code,
        sku=variant.sku,
        price=priced.price,
        title=listing.title_es if title_over else product.name_es,
        title_en=(listing.title_en if has and listing.title_en else ("" if title_over else product.name_en)),
        description=listing.description_es if desc_over else product.description_es,
        description_en=(
            listing.description_en if has and listing.description_en else ("" if desc_over else product.description_en)
        ),
        published=priced.published,
        price_overridden=priced.policy is PricePolicy.LISTING,
        title_overridden=title_over,
        description_overridden=desc_over,
        has_listing=has,
    )


def effective_listing(*, sku: str, channel: str) -> EffectiveListing:
    """What `channel` shows for `sku` now; orders price lines with it."""
    variant = get_variant(sku)
    chan = get_channel(channel)
    listing = Listing.objects.filter(variant=variant, channel=chan).first()
    return effective(variant, variant.product, chan, listing)


def listing_matrix(product: Product) -> list[tuple[Variant, list[EffectiveListing]]]:
    """Every variant of a product on every active channel (the console's listing editor)."""
    chans = channels()
    variants = list(product.variants.all())
    rows = Listing.objects.filter(variant__in=variants)
    by_key = {(row.variant_id, row.channel_id): row for row in rows}
    return [(v, [effective(v, product, c, by_key.get((v.pk, c.pk))) for c in chans]) for v in variants]


def sku_for_code(code: str) -> str | None:
    """The SKU a scanned or typed code names: a SKU, else a GTIN (barcode); None when neither."""
    code = code.strip()
    found = Variant.objects.filter(sku=code).values_list("sku", flat=True).first()
    return found or Variant.objects.filter(gtin=code).values_list("sku", flat=True).first()


def variant_ids(skus: Iterable[str]) -> dict[str, int]:
    """{sku: the variant's row id} of the known SKUs among these (unknown ones are left out): the key
    other domains' rows point at the variant by (inventory's stock rows)."""
    return dict(Variant.objects.filter(sku__in=list(skus)).values_list("sku", "id"))


def variant_id(sku: str) -> int:
    """The row id of one variant by SKU; NotFound (404) when the catalog has no such SKU."""
    found = variant_ids([sku]).get(sku)
    if found is None:
        raise NotFound(detail=f"No variant with SKU {sku}.")
    return found


@dataclass(frozen=True)
class VariantSummary:
    """A variant as other domains see it (stocking, demo orders): never the model row."""

    id: int  # the row id other domains' foreign keys hold
    sku: str
    name: str  # the product's Spanish name
    category: str  # the product's category slug


def variant_summaries() -> list[VariantSummary]:
    """Every variant of the catalog, active or not, in catalog order (by row id), in one query."""
    rows = Variant.objects.order_by("pk").values_list("pk", "sku", "product__name_es", "product__category__slug")
    return [VariantSummary(id=pk, sku=sku, name=name, category=category) for pk, sku, name, category in rows]


@dataclass(frozen=True)
class ProductNames:
    """What a customer may call an active product (the bot's entity matching): never the model row."""

    handle: str
    name_es: str
    name_en: str
    skus: tuple[str, ...]  # its active variants' SKUs, in position order


def product_names() -> list[ProductNames]:
    """Every active product's handle, names and SKUs, in catalog order, in two queries."""
    skus: dict[int, list[str]] = {}
    for product_id, sku in (Variant.objects.filter(product__active=True).order_by("product_id", "position", "pk")
                            .values_list("product_id", "sku")):
        skus.setdefault(product_id, []).append(sku)
    rows = Product.objects.filter(active=True).order_by("pk").values_list("pk", "handle", "name_es", "name_en")
    return [ProductNames(handle=handle, name_es=es, name_en=en, skus=tuple(skus.get(pk, ())))
            for pk, handle, es, en in rows]


def listed_skus(channel: str, *, published: bool = True) -> list[str]:
    """SKUs with a listing on `channel` in that publication state, in catalog order (by variant)."""
    return list(Listing.objects.filter(channel_id=channel, published=published).order_by("variant_id")
                .values_list("variant__sku", flat=True))


def variant_table_sql() -> str:
    """The quoted table name of the catalog's variants, for another domain's raw SQL that must join
    a SKU to its row id in the same statement (inventory's availability and reserve hot path). The
    catalog promises this table's `id` and `sku` columns; other columns are not part of the seam."""
    return _table(Variant)


def search_catalog(**filters) -> SearchResult:
    """Products published on a channel, with facets: catalog.search.search_catalog's keywords
    (channel, q, category, brands, sizes, colors, price_min, price_max, only_skus, only_variants, handles, sort,
    page, per_page, language, facets), priced and published by `priced_variants` (channel_prices' rule
    in SQL: the search counts, sorts and pages in the database)."""
    return search.search_catalog(priced=priced_variants, **filters)


def shop_product(handle: str, *, channel: str, language: str = "es") -> ShopProduct | None:
    """A product page's facts on `channel` (its published variants at that channel's price); None
    when it is unknown, inactive or has nothing published there."""
    return search.shop_product(handle, prices=channel_prices, channel=channel, language=language)


# --- the bot's product lookup (bot/skills.py; product_names above) ----------------------------------

@dataclass(frozen=True)
class VariantHit:
    sku: str
    handle: str
    name: str  # the product's Spanish name (the English one when asked in English and set)
    size: str  # attributes["size"], "" when the product has no sizes


def variants_of(handle: str, *, language: str = "es") -> list[VariantHit]:
    product = Product.objects.filter(handle=handle, active=True).first()
    if product is None:
        return []
    name = product.name_en if language == "en" and product.name_en else product.name_es
    return [VariantHit(sku=v.sku, handle=product.handle, name=name, size=str((v.attributes or {}).get("size") or ""))
            for v in Variant.objects.filter(product=product).order_by("position", "id")]


def variant_hit(sku: str, *, language: str = "es") -> VariantHit | None:
    variant = Variant.objects.select_related("product").filter(sku__iexact=sku.strip()).first()
    if variant is None:
        return None
    product = variant.product
    name = product.name_en if language == "en" and product.name_en else product.name_es
    return VariantHit(sku=variant.sku, handle=product.handle, name=name,
                      size=str((variant.attributes or {}).get("size") or ""))


@dataclass(frozen=True)
class CategoryCycle:
    """A category's purchase cycle as marketing reads it: how often it is bought again."""

    slug: str
    name_es: str
    name_en: str
    parent: str  # the parent's slug, "" at the root
    cycle: str  # one_off | durable | replenishable
    default_days: int | None  # the category's replenish_days: the expected interval (a durable good: its life)


def category_cycles() -> dict[str, CategoryCycle]:
    """{slug: CategoryCycle} of every category, in one query."""
    rows = Category.objects.values_list("slug", "name_es", "name_en", "parent__slug", "purchase_cycle", "replenish_days")
    return {slug: CategoryCycle(slug=slug, name_es=es, name_en=en or es, parent=parent or "", cycle=cycle,
                                default_days=days)
            for slug, es, en, parent, cycle, days in rows}


# The active products of replenishable categories: every product page asks whether its product is
# one (marketing's "subscribe" panel), and a category's cycle or a product's category changes seldom.
# Read once per process; forgotten when a product or category row is written (CatalogConfig.ready).
REPLENISHABLE = memo.Memo("catalog.replenishable_products")


def product_cycle(handle: str) -> CategoryCycle | None:
    """The category cycle of an active product whose category is replenishable, else None."""

    def read() -> dict[str, CategoryCycle]:
        rows = (Product.objects.filter(active=True, category__purchase_cycle="replenishable")
                .values_list("handle", "category__slug", "category__name_es", "category__name_en",
                             "category__parent__slug", "category__replenish_days"))
        return {handle: CategoryCycle(slug=slug, name_es=es, name_en=en or es, parent=parent or "",
                                      cycle="replenishable", default_days=days)
                for handle, slug, es, en, parent, days in rows}

    return REPLENISHABLE.get((), read).get(handle)


@dataclass(frozen=True)
class ProductFeatures:
    """What content similarity compares (marketing's recommendations): never the model row."""

    handle: str
    name_es: str
    name_en: str
    category: str  # slug
    parent_category: str  # slug, "" at the root
    brand: str  # slug, "" without one
    attributes: frozenset[str]  # "key=value" over its variants ("color=negro", "size=42")
    skus: tuple[str, ...]  # its variants' SKUs in position order
    active: bool


def product_features() -> list[ProductFeatures]:
    """Every product with its variants' SKUs and attribute values, in catalog order, in two queries."""
    variants: dict[int, list[tuple[str, object]]] = {}
    for product_id, sku, attributes in (Variant.objects.order_by("product_id", "position", "pk")
                                        .values_list("product_id", "sku", "attributes")):
        variants.setdefault(product_id, []).append((sku, attributes))
    rows = Product.objects.order_by("pk").values_list("pk", "handle", "name_es", "name_en", "category__slug",
                                                      "category__parent__slug", "brand__slug", "active")
    out = []
    for pk, handle, es, en, category, parent, brand, active in rows:
        attrs: set[str] = set()
        for _sku, raw in variants.get(pk, []):
            values = json.loads(raw or "{}") if isinstance(raw, str) else (raw or {})
            attrs.update(f"{k}={v}" for k, v in values.items())
        out.append(ProductFeatures(handle=handle, name_es=es, name_en=en or es, category=category,
                                   parent_category=parent or "", brand=brand or "", attributes=frozenset(attrs),
                                   skus=tuple(sku for sku, _raw in variants.get(pk, [])), active=bool(active)))
    return out


@dataclass(frozen=True)
class FeedItem:
    """One variant as a channel's product feed shows it (integrations' feeds): never the model row."""

    sku: str
    gtin: str  # "" when unknown
    handle: str  # the product's, for its page
    title: str  # the channel's title with the variant's options
    description: str  # the listing's Spanish description, else the product's
    brand: str
    category: str
    image_id: str  # the product's first image (catalog:image), "" when none
    price: Money  # the channel's price (channel_prices decides)
    sellable: bool  # active and published on the channel


def feed_items(channel: str) -> list[FeedItem]:
    """Every variant of an active product with its price and publication on `channel`, in catalog
    order, in four queries (unknown channel: 422 on `channel`)."""
    check_channel(channel)
    variants = list(Variant.objects.filter(product__active=True).select_related("product", "product__brand")
                    .order_by("product_id", "position", "pk"))
    prices = channel_prices([v.sku for v in variants], channel)
    descriptions = dict(Listing.objects.filter(channel_id=channel, variant__in=variants).exclude(description_es="")
                        .values_list("variant_id", "description_es"))
    images: dict[int, str] = {}
    for product_id, image_id in ProductImage.objects.filter(product__in={v.product_id for v in variants}).values_list(
            "product_id", "public_id"):
        images.setdefault(product_id, image_id)
    items = []
    for v in variants:
        price = prices[v.sku]
        items.append(FeedItem(
            sku=v.sku, gtin=v.gtin or "", handle=v.product.handle,
            title=f"{price.title} {price.options}".strip(),
            description=descriptions.get(v.pk) or v.product.description_es,
            brand=v.product.brand.name if v.product.brand else "", category=price.category,
            image_id=images.get(v.product_id, ""), price=price.price, sellable=price.sellable,
        ))
    return items

"""Reads of the catalog for other domains, the API and the console (no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from omnicanal.catalog.models import Category, Channel, Listing, Product, ProductImage, Variant
from omnicanal.core.errors import NotFound
from omnicanal.core.ids import has_prefix
from omnicanal.core.money import Money


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
    variant = Variant.objects.select_related("product", "product__category").filter(sku=sku).first()
    if variant is None:
        raise NotFound(detail=f"No variant with SKU {sku}.")
    return variant


def get_channel(code: str) -> Channel:
    channel = Channel.objects.filter(pk=code).first()
    if channel is None:
        raise NotFound(detail=f"No channel {code}.")
    return channel


def channels(*, active_only: bool = True) -> list[Channel]:
    qs = Channel.objects.all()
    return list(qs.filter(active=True) if active_only else qs)


def channel_codes() -> list[str]:
    return list(Channel.objects.filter(active=True).values_list("code", flat=True))


def categories() -> list[Category]:
    return list(Category.objects.select_related("parent").annotate(product_count=Count("products")))


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
    qs = Product.objects.select_related("category", "brand").annotate(variant_count=Count("variants", distinct=True))
    if q:
        qs = qs.filter(
            Q(name_es__icontains=q) | Q(name_en__icontains=q) | Q(handle__icontains=q) | Q(variants__sku__iexact=q)
            | Q(variants__gtin=q) | Q(public_id=q)
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
    return variant.price if variant.price is not None else product.base_price


def effective(variant: Variant, product: Product, channel: Channel, listing: Listing | None) -> EffectiveListing:
    base = variant_price(variant, product)
    has = listing is not None
    price_over = has and listing.price is not None
    title_over = has and bool(listing.title_es)
    desc_over = has and bool(listing.description_es)
    return EffectiveListing(
        channel=channel.code,
        sku=variant.sku,
        price=Money(listing.price if price_over else base, product.currency),
        title=listing.title_es if title_over else product.name_es,
        title_en=(listing.title_en if has and listing.title_en else ("" if title_over else product.name_en)),
        description=listing.description_es if desc_over else product.description_es,
        description_en=(
            listing.description_en if has and listing.description_en else ("" if desc_over else product.description_en)
        ),
        published=listing.published if has else channel.publish_by_default,
        price_overridden=price_over,
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


def variant_ids(skus: list[str]) -> dict[str, int]:
    return dict(Variant.objects.filter(sku__in=skus).values_list("sku", "id"))

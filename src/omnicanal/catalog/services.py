"""The catalog's only writers. Keyword arguments; they run inside the caller's transaction."""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils.text import slugify

from omnicanal.catalog import queries, rules, search
from omnicanal.catalog.events import ListingChanged, ProductCreated
from omnicanal.catalog.models import (
    Brand,
    Category,
    Channel,
    Listing,
    Product,
    ProductImage,
    PurchaseCycle,
    Variant,
)
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import FieldError, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money, business_currency

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Magic numbers of the image types we accept; SVG is text and is checked apart.
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    attributes: dict = field(default_factory=dict)
    price: Money | Decimal | str | int | None = None
    gtin: str | None = None


# --- categories and brands ----------------------------------------------------------------------


def do_create_category(
    *,
    slug: str,
    name_es: str,
    name_en: str = "",
    parent: Category | None = None,
    purchase_cycle: str | None = None,
    replenish_days: int | None = None,
) -> Category:
    """A node of the tree; without a cycle it takes its parent's (one_off at the root)."""
    slug = slugify(slug)
    if not slug:
        raise ValidationFailed.on("slug", "is required")
    if Category.objects.filter(slug=slug).exists():
        raise ValidationFailed.on("slug", "is taken")
    cycle = purchase_cycle or (parent.purchase_cycle if parent else PurchaseCycle.ONE_OFF)
    if cycle not in PurchaseCycle.values:
        raise ValidationFailed.on("purchase_cycle", f"must be one of {', '.join(PurchaseCycle.values)}")
    if cycle == PurchaseCycle.REPLENISHABLE:
        replenish_days = replenish_days or (parent.replenish_days if parent else None)
        if not replenish_days or replenish_days <= 0:
            raise ValidationFailed.on("replenish_days", "a replenishable category needs an interval in days")
    else:
        replenish_days = None
    return Category.objects.create(
        slug=slug, parent=parent, name_es=name_es.strip(), name_en=name_en.strip(),
        purchase_cycle=cycle, replenish_days=replenish_days,
    )


def do_ensure_category(*, ref: str) -> Category:
    """The category named by slug or name; a new one-off root category when none matches (the API
    accepts a free category name, as a marketplace feed sends it)."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationFailed.on("category", "is required")
    found = Category.objects.filter(Q(slug=slugify(ref)) | Q(name_es__iexact=ref) | Q(name_en__iexact=ref)).first()
    return found or do_create_category(slug=ref, name_es=ref)


def do_ensure_brand(*, name: str) -> Brand | None:
    name = (name or "").strip()
    if not name:
        return None
    slug = slugify(name)
    brand = Brand.objects.filter(slug=slug).first()
    return brand or Brand.objects.create(slug=slug, name=name)


# --- products and variants ------------------------------------------------------------------------


def check_new_variants(specs: list[VariantSpec], *, prefix: str = "variants") -> list[dict]:
    """Validate variant specs together: SKUs and GTINs unique in the request and in the catalog."""
    errors: list[FieldError] = []
    clean: list[dict] = []
    for i, spec in enumerate(specs):
        try:
            clean.append({
                "sku": rules.check_sku(spec.sku, f"{prefix}.{i}.sku"),
                "gtin": rules.check_gtin(spec.gtin, f"{prefix}.{i}.gtin"),
                "attributes": rules.check_attributes(spec.attributes, f"{prefix}.{i}.attributes"),
                "price": rules.check_price(spec.price, f"{prefix}.{i}.price"),
            })
        except ValidationFailed as problem:
            errors.extend(problem.errors)
    if errors:
        raise ValidationFailed(detail="Some variants are invalid.", errors=errors)
    skus = [c["sku"] for c in clean]
    gtins = [c["gtin"] for c in clean if c["gtin"]]
    taken_skus = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    taken_gtins = set(Variant.objects.filter(gtin__in=gtins).values_list("gtin", flat=True)) if gtins else set()
    seen_skus: set[str] = set()
    seen_gtins: set[str] = set()
    for i, c in enumerate(clean):
        if c["sku"] in taken_skus or c["sku"] in seen_skus:
            errors.append(FieldError(f"{prefix}.{i}.sku", f"SKU {c['sku']} already exists"))
        if c["gtin"] and (c["gtin"] in taken_gtins or c["gtin"] in seen_gtins):
            errors.append(FieldError(f"{prefix}.{i}.gtin", f"GTIN {c['gtin']} already exists"))
        seen_skus.add(c["sku"])
        if c["gtin"]:
            seen_gtins.add(c["gtin"])
    if errors:
        raise ValidationFailed(detail="Some SKUs or GTINs are taken.", errors=errors)
    return clean


def _unique_handle(wanted: str) -> str:
    handle = rules.handle_for(wanted)
    if not Product.objects.filter(handle=handle).exists():
        return handle
    return f"{handle[:90]}-{secrets.token_hex(3)}"


def do_create_product(
    *,
    name_es: str,
    category: Category,
    price: Money | Decimal | str | int,
    variants: list[VariantSpec],
    name_en: str = "",
    description_es: str = "",
    description_en: str = "",
    brand: Brand | None = None,
    handle: str = "",
    actor: Principal = SYSTEM,
) -> Product:
    """A product with at least one variant. Emits ProductCreated."""
    if not name_es.strip():
        raise ValidationFailed.on("name", "is required")
    if not variants:
        raise ValidationFailed.on("variants", "at least one variant is required")
    amount = rules.check_price(price, "price")
    clean = check_new_variants(variants)
    if handle and Product.objects.filter(handle=rules.handle_for(handle)).exists():
        raise ValidationFailed.on("handle", "is taken")
    now = clock.now()
    product = Product.objects.create(
        handle=_unique_handle(handle or name_es), name_es=name_es.strip(), name_en=name_en.strip(),
        description_es=description_es.strip(), description_en=description_en.strip(), category=category,
        brand=brand, base_price=amount, currency=business_currency(), created_at=now, updated_at=now,
    )
    Variant.objects.bulk_create(
        [Variant(public_id=new_id("var"), product=product, position=i, **c) for i, c in enumerate(clean)]
    )
    outbox.emit(ProductCreated(
        product_id=product.public_id, handle=product.handle, name=product.name_es, category=category.slug,
        skus=tuple(c["sku"] for c in clean),
    ))
    return product


_PRODUCT_TEXT_FIELDS = ("name_es", "name_en", "description_es", "description_en")


def do_update_product(
    *, product: Product, changes: dict, actor: Principal = SYSTEM
) -> Product:
    """Change texts, price, category, brand or active; only the keys given."""
    fields = []
    for name in _PRODUCT_TEXT_FIELDS:
        if name in changes:
            value = (changes[name] or "").strip()
            if name == "name_es" and not value:
                raise ValidationFailed.on("name", "is required")
            setattr(product, name, value)
            fields.append(name)
    if "price" in changes:
        product.base_price = rules.check_price(changes["price"], "price")
        fields.append("base_price")
    if "category" in changes:
        product.category = changes["category"]
        fields.append("category")
    if "brand" in changes:
        product.brand = changes["brand"]
        fields.append("brand")
    if "active" in changes:
        product.active = bool(changes["active"])
        fields.append("active")
    product.updated_at = clock.now()
    product.save(update_fields=[*fields, "updated_at"])
    return product


def do_add_variants(*, product: Product, variants: list[VariantSpec]) -> list[Variant]:
    clean = check_new_variants(variants)
    start = product.variants.count()
    rows = [Variant(public_id=new_id("var"), product=product, position=start + i, **c) for i, c in enumerate(clean)]
    Variant.objects.bulk_create(rows)
    search.FACET_COUNTS.forget()  # bulk_create sends no signal
    return rows


def check_image(*, filename: str, content: bytes) -> str:
    """The content type of an acceptable image, judged by its bytes (never by its name alone)."""
    if not content:
        raise ValidationFailed.on("file", "is empty")
    if len(content) > MAX_IMAGE_BYTES:
        raise ValidationFailed.on("file", "is larger than 5 MB")
    for magic, kind in _IMAGE_MAGIC.items():
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    head = content[:512].lstrip().lower()
    if (head.startswith(b"<svg") or head.startswith(b"<?xml")) and b"<svg" in content[:2048].lower():
        return "image/svg+xml"
    guessed = mimetypes.guess_type(filename)[0] or "unknown"
    raise ValidationFailed.on("file", f"is not a PNG, JPEG, GIF, WebP or SVG image ({guessed})")


def do_add_image(
    *, product: Product, filename: str, content: bytes, alt_es: str = "", alt_en: str = "", actor: Principal = SYSTEM
) -> ProductImage:
    content_type = check_image(filename=filename, content=content)
    extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
                 "image/svg+xml": "svg"}[content_type]
    image = ProductImage(
        public_id=new_id("img"), product=product, content_type=content_type, alt_es=alt_es or product.name_es,
        alt_en=alt_en or product.name_en, position=product.images.count(),
    )
    image.file.save(f"{slugify(product.handle)[:60]}.{extension}", ContentFile(content), save=False)
    image.save()
    return image


# --- channels and listings -----------------------------------------------------------------------


def do_set_channel_policy(*, channel: Channel, changes: dict, actor: Principal = SYSTEM) -> Channel:
    allowed = {"name", "active", "reference", "price_above_pct", "price_below_pct", "allow_title_override",
               "allow_description_override", "publish_by_default", "mirror_reference"}
    before = {k: str(getattr(channel, k if k != "reference" else "reference_id")) for k in allowed}
    for key, value in changes.items():
        if key not in allowed:
            raise ValidationFailed.on(key, "is not a channel setting")
        if key in {"price_above_pct", "price_below_pct"} and (value is None or Decimal(str(value)) < 0):
            raise ValidationFailed.on(key, "must be zero or more")
        if key == "reference" and value is not None and value.pk == channel.pk:
            raise ValidationFailed.on(key, "a channel cannot be its own reference")
        setattr(channel, key, value)
    channel.save()
    queries.forget_channels()
    audit.record(actor=actor, action="channel.policy", target_type="channel", target_id=channel.code, before=before,
                 after={k: str(getattr(channel, k if k != "reference" else "reference_id")) for k in allowed})
    return channel


def do_set_listing(
    *,
    channel: Channel,
    variant: Variant,
    published: bool,
    price: Money | Decimal | str | int | None = None,
    title_es: str = "",
    title_en: str = "",
    description_es: str = "",
    description_en: str = "",
    actor: Principal = SYSTEM,
) -> Listing:
    """Replace the listing of a variant on a channel (PUT semantics: absent overrides are cleared)."""
    if not channel.active:
        raise ValidationFailed.on("channel", "is not active")
    amount = rules.check_price(price, "price")
    listing, _ = Listing.objects.update_or_create(
        channel=channel, variant=variant,
        defaults={
            "price": amount, "title_es": (title_es or "").strip(), "title_en": (title_en or "").strip(),
            "description_es": (description_es or "").strip(), "description_en": (description_en or "").strip(),
            "published": published, "updated_at": clock.now(),
        },
    )
    outbox.emit(ListingChanged(
        channel=channel.code, sku=variant.sku, published=published,
        price=str(amount) if amount is not None else None, currency=business_currency(),
        title=listing.title_es, description=listing.description_es,
    ))
    return listing



# code, name, reference, above %, below %, published by default, mirrors its reference
DEFAULT_CHANNELS = [
    ("web", "Tienda web", None, 0, 0, True, False),
    ("app", "App", "web", 0, 0, True, True),
    ("marketplace", "Marketplace", "web", 8, 0, False, False),
    ("pos", "Punto de venta", "web", 0, 0, True, False),
    ("mpos", "Punto de venta móvil", "pos", 0, 0, True, False),
    ("chat", "Chat y mensajería", "web", 0, 0, True, False),
    ("phone", "Teléfono", "web", 0, 0, True, False),
]


def do_ensure_default_channels() -> None:
    """The channel registry every installation starts with (migration 0002 writes the same). Tests
    that flush tables (transactional ones) call it to get the registry back; existing rows are kept."""
    if Channel.objects.filter(pk__in=[c[0] for c in DEFAULT_CHANNELS]).count() == len(DEFAULT_CHANNELS):
        return
    for position, (code, name, reference, above, below, by_default, mirror) in enumerate(DEFAULT_CHANNELS):
        Channel.objects.get_or_create(code=code, defaults={
            "name": name, "reference_id": reference, "price_above_pct": above, "price_below_pct": below,
            "publish_by_default": by_default, "mirror_reference": mirror, "position": position,
        })

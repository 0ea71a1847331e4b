"""The catalog's HTTP API (/api/v1): products, channels, listings, the consistency audit, CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Router, Status, UploadedFile

from omnicanal.catalog import consistency, csvio, queries, roles, services
from omnicanal.catalog.models import Product
from omnicanal.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    ChannelIn,
    ChannelOut,
    ConsistencyOut,
    ImageOut,
    ImportOut,
    ListingIn,
    ListingOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    as_money,
)
from omnicanal.core.auth import Principal
from omnicanal.core.auth import require_role as _require_role
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money

router = Router(tags=["catalog"])

SCOPE = "catalog"  # what an integration key needs for anything here (core.auth scopes)


def require_role(request, *roles: str) -> Principal:
    return _require_role(request, *roles, scope=SCOPE)


def image_url(image) -> str:
    return reverse("catalog:image", args=[image.public_id])


def product_out(product: Product) -> dict:
    product = queries.product_with_variants(product.public_id)
    return {
        "id": product.public_id,
        "handle": product.handle,
        "name": product.name_es,
        "name_en": product.name_en,
        "description": product.description_es,
        "description_en": product.description_en,
        "category": product.category.slug,
        "purchase_cycle": product.category.purchase_cycle,
        "replenish_days": product.category.replenish_days,
        "brand": product.brand.name if product.brand else None,
        "price": Money(product.base_price, product.currency).as_dict(),
        "active": product.active,
        "variants": [
            {"id": v.public_id, "sku": v.sku, "gtin": v.gtin, "attributes": v.attributes,
             "price": Money(queries.variant_price(v, product), product.currency).as_dict()}
            for v in product.variants.all()
        ],
        "images": [
            {"id": i.public_id, "url": image_url(i), "content_type": i.content_type, "alt": i.alt_es}
            for i in product.images.all()
        ],
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def listing_out(shown: queries.EffectiveListing) -> dict:
    return {
        "channel": shown.channel, "sku": shown.sku, "price": shown.price.as_dict(), "title": shown.title,
        "title_en": shown.title_en, "description": shown.description, "description_en": shown.description_en,
        "published": shown.published,
        "overrides": {"price": shown.price_overridden, "title": shown.title_overridden,
                      "description": shown.description_overridden},
    }


def _variant_specs(variants) -> list[services.VariantSpec]:
    return [services.VariantSpec(sku=v.sku, attributes=v.attributes or {}, price=as_money(v.price), gtin=v.gtin)
            for v in variants]


@router.post("/products", response={201: ProductOut}, summary="Create a product with its variants")
def create_product(request: HttpRequest, body: ProductIn):
    """Creates a product with one or more variants (SKU unique, optional GTIN and attributes) and its base
    price; listings per channel then decide what each channel shows."""
    principal = require_role(request, *roles.EDIT)
    product = services.do_create_product(
        name_es=body.name, name_en=body.name_en, description_es=body.description, description_en=body.description_en,
        category=services.do_ensure_category(ref=body.category), brand=services.do_ensure_brand(name=body.brand),
        price=as_money(body.price), variants=_variant_specs(body.variants), handle=body.handle, actor=principal,
    )
    return Status(201, product_out(product))


@router.get("/products", response=ProductPage, summary="Search products")
def list_products(request: HttpRequest, q: str = "", category: str = "", brand: str = "", limit: int = 50,
                  offset: int = 0):
    """Products whose name, handle or SKU match the query."""
    require_role(request, *roles.READ)
    if not 1 <= limit <= 500:
        raise ValidationFailed.on("limit", "must be between 1 and 500")
    if offset < 0:
        raise ValidationFailed.on("offset", "may not be negative")
    qs = queries.search_products(q=q, category=category, brand=brand)
    items = [
        {"id": p.public_id, "handle": p.handle, "name": p.name_es, "category": p.category.slug,
         "brand": p.brand.name if p.brand else None, "price": Money(p.base_price, p.currency).as_dict(),
         "variant_count": p.variant_count, "active": p.active}
        for p in qs[offset: offset + limit]
    ]
    return {"items": items, "total": qs.count(), "limit": limit, "offset": offset}


# A file, not JSON: the OpenAPI document says so (typed answers, issue 14 item 6).
CSV_ANSWER = {"responses": {200: {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/products/export", summary="Every variant as CSV (one row per variant)", openapi_extra=CSV_ANSWER)
def export_products(request: HttpRequest):
    """Every variant of every product as CSV, one row per variant."""
    require_role(request, *roles.EDIT)
    response = HttpResponse(csvio.export_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog.csv"'
    return response


@router.post("/products/import", response=ImportOut, summary="Create or update products from CSV (all or nothing)")
def import_products(request: HttpRequest, file: File[UploadedFile] = None):
    """Creates or updates products from a CSV in the export's columns. All or nothing: one bad row refuses the
    whole file with a field error per row and column."""
    principal = require_role(request, *roles.EDIT)
    raw = file.read() if file is not None else request.body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.on("file", "must be UTF-8 CSV") from exc
    return csvio.do_import_csv(text=text, actor=principal).__dict__


@router.get("/products/{ref}", response=ProductOut, summary="A product by id, handle or the SKU of a variant")
def get_product(request: HttpRequest, ref: str):
    """One product with its variants and images, found by its id, its handle or the SKU of any of its variants.
    """
    require_role(request, *roles.READ)
    return product_out(queries.get_product(ref))


@router.patch("/products/{ref}", response=ProductOut, summary="Change a product; `variants` adds variants")
def patch_product(request: HttpRequest, ref: str, body: ProductPatch):
    """Changes a product's fields; `variants` adds new variants to it."""
    principal = require_role(request, *roles.EDIT)
    product = queries.get_product(ref)
    data = body.dict(exclude_unset=True)
    changes = {}
    for wire, field in (("name", "name_es"), ("description", "description_es"), ("name_en", "name_en"),
                        ("description_en", "description_en"), ("active", "active")):
        if wire in data:
            changes[field] = data[wire]
    if "price" in data:
        changes["price"] = as_money(body.price)
    if "category" in data:
        changes["category"] = services.do_ensure_category(ref=body.category)
    if "brand" in data:
        changes["brand"] = services.do_ensure_brand(name=body.brand or "")
    services.do_update_product(product=product, changes=changes, actor=principal)
    if body.variants:
        services.do_add_variants(product=product, variants=_variant_specs(body.variants))
    return product_out(product)


@router.post("/products/{ref}/images", response={201: ImageOut}, summary="Upload an image (multipart `file`)")
def upload_image(request: HttpRequest, ref: str, file: File[UploadedFile]):
    """Adds an image to a product (multipart field `file`); the file is checked by its content and size."""
    principal = require_role(request, *roles.EDIT)
    product = queries.get_product(ref)
    image = services.do_add_image(product=product, filename=file.name or "image", content=file.read(), actor=principal)
    return Status(201, {"id": image.public_id, "url": image_url(image), "content_type": image.content_type,
                        "alt": image.alt_es})


@router.get("/categories", response=list[CategoryOut], summary="The category tree, flat")
def list_categories(request: HttpRequest):
    """Every category, flat, each with its parent and purchase cycle."""
    require_role(request, *roles.READ)
    return [category_out(c) for c in queries.categories()]


def category_out(c) -> dict:
    return {"slug": c.slug, "name": c.name_es, "name_en": c.name_en, "parent": c.parent.slug if c.parent else None,
            "purchase_cycle": c.purchase_cycle, "replenish_days": c.replenish_days}


@router.post("/categories", response={201: CategoryOut}, summary="Create a category with its purchase cycle")
def create_category(request: HttpRequest, body: CategoryIn):
    """Creates a category with its purchase cycle (one-off, durable or replenishable), which recommendations
    and campaigns read."""
    require_role(request, *roles.EDIT)
    parent = None
    if body.parent:
        parent = next((c for c in queries.categories() if c.slug == body.parent), None)
        if parent is None:
            raise ValidationFailed.on("parent", f"no category {body.parent}")
    category = services.do_create_category(
        slug=body.slug, name_es=body.name, name_en=body.name_en, parent=parent, purchase_cycle=body.purchase_cycle,
        replenish_days=body.replenish_days,
    )
    return Status(201, category_out(category))


def channel_out(c) -> dict:
    return {"code": c.code, "name": c.name, "active": c.active, "reference": c.reference_id,
            "price_above_pct": c.price_above_pct, "price_below_pct": c.price_below_pct,
            "allow_title_override": c.allow_title_override, "allow_description_override": c.allow_description_override,
            "publish_by_default": c.publish_by_default, "mirror_reference": c.mirror_reference}


@router.get("/channels", response=list[ChannelOut], summary="The channel registry and each channel's policy")
def list_channels(request: HttpRequest):
    """The sales channels (web, app, marketplace, pos, mpos, chat, phone and any added) and each one's
    publication and price policy."""
    require_role(request, *roles.READ)
    return [channel_out(c) for c in queries.channels(active_only=False)]


@router.put("/channels/{code}", response=ChannelOut, summary="Change a channel's publication and price policy")
def put_channel(request: HttpRequest, code: str, body: ChannelIn):
    """Changes a channel's publication and price policy, which its listings follow."""
    principal = require_role(request, *roles.CHANNEL_POLICY)
    channel = queries.get_channel(code)
    changes = body.dict(exclude_unset=True)
    if "reference" in changes:
        changes["reference"] = queries.get_channel(changes["reference"]) if changes["reference"] else None
    return channel_out(services.do_set_channel_policy(channel=channel, changes=changes, actor=principal))


@router.put("/listings/{channel}/{sku}", response=ListingOut, summary="Set how a channel shows a variant")
def put_listing(request: HttpRequest, channel: str, sku: str, body: ListingIn):
    """Sets a variant's price, title, description and publication on one channel; absent fields keep the
    product's own."""
    principal = require_role(request, *roles.EDIT)
    chan = queries.get_channel(channel)
    variant = queries.get_variant(sku)
    services.do_set_listing(
        channel=chan, variant=variant, published=body.published, price=as_money(body.price),
        title_es=body.title or "", title_en=body.title_en or "", description_es=body.description or "",
        description_en=body.description_en or "", actor=principal,
    )
    return listing_out(queries.effective_listing(sku=sku, channel=channel))


@router.get("/listings/{channel}/{sku}", response=ListingOut, summary="What a channel shows for a variant")
def get_listing(request: HttpRequest, channel: str, sku: str):
    """What one channel shows for a variant: its price (or the base price), title, description and whether it
    is published there."""
    require_role(request, *roles.READ)
    return listing_out(queries.effective_listing(sku=sku, channel=channel))


@router.get("/catalog/consistency", response=ConsistencyOut, summary="Drift across channels (add ?format=csv)")
def get_consistency(request: HttpRequest, sku: str = "", channel: str = "", field: str = "", format: str = "json"):
    """Where channels drift apart: for each SKU and channel, a field (price, title, publication) whose value
    differs from the reference. JSON by default, CSV with `?format=csv`."""
    require_role(request, *roles.CONSISTENCY)
    report = consistency.consistency_report(
        skus=[s for s in sku.split(",") if s] or None,
        channels=[c for c in channel.split(",") if c] or None,
        fields=[f for f in field.split(",") if f] or None,
    )
    if format == "csv" or "text/csv" in request.headers.get("Accept", ""):
        response = HttpResponse(consistency.as_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="consistency.csv"'
        return response
    return {"items": [item.__dict__ for item in report], "count": len(report)}

"""Bulk CSV import and export of the catalog: one row per variant, products grouped by `handle`.

Columns: handle, name_es, name_en, description_es, description_en, category, brand, base_price,
sku, gtin, variant_price, and any number of attr_<name> columns (attr_size, attr_color).

The import is all or nothing: every row is checked first and the errors name the row and column
(`row 7.gtin`); then products and variants are created or updated in bulk. A product is matched by
handle, a variant by SKU; a SKU may not move to another product.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.text import slugify

from omnicanal.catalog import rules, search
from omnicanal.catalog.events import ProductCreated
from omnicanal.catalog.models import Brand, Category, Product, Variant
from omnicanal.catalog.services import do_ensure_brand, do_ensure_category
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import FieldError, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import business_currency

COLUMNS = ["handle", "name_es", "name_en", "description_es", "description_en", "category", "brand",
           "base_price", "sku", "gtin", "variant_price"]
REQUIRED = ["handle", "name_es", "category", "base_price", "sku"]
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ImportResult:
    products_created: int
    products_updated: int
    variants_created: int
    variants_updated: int


def export_csv() -> str:
    variants = Variant.objects.select_related("product", "product__category", "product__brand").order_by(
        "product__handle", "position", "id"
    )
    rows = list(variants)
    attr_names = sorted({key for v in rows for key in v.attributes})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, *[f"attr_{a}" for a in attr_names]])
    for v in rows:
        p = v.product
        writer.writerow([
            p.handle, p.name_es, p.name_en, p.description_es, p.description_en, p.category.slug,
            p.brand.name if p.brand else "", p.base_price, v.sku, v.gtin or "",
            "" if v.price is None else v.price, *[v.attributes.get(a, "") for a in attr_names],
        ])
    return buffer.getvalue()


def _read(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed.on("file", f"missing columns: {', '.join(missing)}")
    rows = []
    for row in reader:
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None})
        if len(rows) > MAX_ROWS:
            raise ValidationFailed.on("file", f"more than {MAX_ROWS} rows; split the file")
    return header, rows


def _check_rows(rows: list[dict]) -> tuple[dict[str, dict], list[dict], list[FieldError]]:
    errors: list[FieldError] = []
    products: dict[str, dict] = {}
    variants: list[dict] = []
    seen_skus: dict[str, int] = {}
    seen_gtins: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"row {n}"
        try:
            handle = slugify(row.get("handle", ""))
            if not handle:
                raise ValidationFailed.on(f"{where}.handle", "is required")
            if not row.get("name_es"):
                raise ValidationFailed.on(f"{where}.name_es", "is required")
            if not row.get("category"):
                raise ValidationFailed.on(f"{where}.category", "is required")
            price = rules.check_price(row.get("base_price") or None, f"{where}.base_price")
            if price is None:
                raise ValidationFailed.on(f"{where}.base_price", "is required")
            sku = rules.check_sku(row.get("sku", ""), f"{where}.sku")
            gtin = rules.check_gtin(row.get("gtin"), f"{where}.gtin")
            variant_price = rules.check_price(row.get("variant_price") or None, f"{where}.variant_price")
            attributes = rules.check_attributes(
                {k.removeprefix("attr_"): v for k, v in row.items() if k.startswith("attr_") and v}, f"{where}.attr"
            )
        except ValidationFailed as problem:
            errors.extend(problem.errors)
            continue
        if sku in seen_skus:
            errors.append(FieldError(f"{where}.sku", f"SKU {sku} repeats row {seen_skus[sku]}"))
            continue
        if gtin and gtin in seen_gtins:
            errors.append(FieldError(f"{where}.gtin", f"GTIN {gtin} repeats row {seen_gtins[gtin]}"))
            continue
        seen_skus[sku] = n
        if gtin:
            seen_gtins[gtin] = n
        products.setdefault(handle, {
            "row": n, "handle": handle, "name_es": row["name_es"], "name_en": row.get("name_en", ""),
            "description_es": row.get("description_es", ""), "description_en": row.get("description_en", ""),
            "category": row["category"], "brand": row.get("brand", ""), "base_price": price,
        })
        variants.append({"row": n, "handle": handle, "sku": sku, "gtin": gtin, "price": variant_price,
                         "attributes": attributes})
    return products, variants, errors


def do_import_csv(*, text: str, actor: Principal = SYSTEM) -> ImportResult:
    _header, rows = _read(text)
    products, variants, errors = _check_rows(rows)
    existing_variants = {v.sku: v for v in Variant.objects.select_related("product").filter(
        sku__in=[v["sku"] for v in variants])}
    gtin_owner = dict(Variant.objects.filter(gtin__in=[v["gtin"] for v in variants if v["gtin"]]).values_list("gtin", "sku"))
    for v in variants:
        known = existing_variants.get(v["sku"])
        if known is not None and known.product.handle != v["handle"]:
            errors.append(FieldError(f"row {v['row']}.sku", f"SKU {v['sku']} belongs to product {known.product.handle}"))
        if v["gtin"] and gtin_owner.get(v["gtin"], v["sku"]) != v["sku"]:
            errors.append(FieldError(f"row {v['row']}.gtin", f"GTIN {v['gtin']} belongs to SKU {gtin_owner[v['gtin']]}"))
    if errors:
        errors.sort(key=lambda e: int(e.field.split(".")[0].split()[1]))
        raise ValidationFailed(detail=f"{len(errors)} problem(s) in the file; nothing was imported.", errors=errors)

    now = clock.now()
    categories: dict[str, Category] = {}
    brands: dict[str, Brand | None] = {}
    for spec in products.values():
        if spec["category"] not in categories:
            categories[spec["category"]] = do_ensure_category(ref=spec["category"])
        if spec["brand"] not in brands:
            brands[spec["brand"]] = do_ensure_brand(name=spec["brand"])
    known_products = {p.handle: p for p in Product.objects.filter(handle__in=list(products))}
    new_products, changed_products = [], []
    for handle, spec in products.items():
        values = {k: spec[k] for k in ("name_es", "name_en", "description_es", "description_en", "base_price")}
        values.update(category=categories[spec["category"]], brand=brands[spec["brand"]])
        product = known_products.get(handle)
        if product is None:
            new_products.append(Product(public_id=new_id("prd"), handle=handle, currency=business_currency(),
                                        created_at=now, updated_at=now, **values))
        else:
            for key, value in values.items():
                setattr(product, key, value)
            product.updated_at = now
            changed_products.append(product)
    Product.objects.bulk_create(new_products, batch_size=500)
    Product.objects.bulk_update(changed_products, ["name_es", "name_en", "description_es", "description_en",
                                                   "base_price", "category", "brand", "updated_at"], batch_size=500)
    by_handle = {p.handle: p for p in Product.objects.filter(handle__in=list(products))}
    positions: dict[int, int] = {}
    new_variants, changed_variants = [], []
    for v in variants:
        product = by_handle[v["handle"]]
        known = existing_variants.get(v["sku"])
        if known is None:
            position = positions.setdefault(product.pk, product.variants.count())
            positions[product.pk] = position + 1
            new_variants.append(Variant(public_id=new_id("var"), product=product, sku=v["sku"], gtin=v["gtin"],
                                        price=v["price"], attributes=v["attributes"], position=position))
        else:
            known.gtin, known.price, known.attributes = v["gtin"], v["price"], v["attributes"]
            changed_variants.append(known)
    Variant.objects.bulk_update(changed_variants, ["gtin", "price", "attributes"], batch_size=500)
    Variant.objects.bulk_create(new_variants, batch_size=500)
    search.FACET_COUNTS.forget()  # bulk writes send no signal
    new_handles = {p.handle for p in new_products}
    for product in new_products:
        product = by_handle[product.handle]
        outbox.emit(ProductCreated(
            product_id=product.public_id, handle=product.handle, name=product.name_es,
            category=categories[products[product.handle]["category"]].slug,
            skus=tuple(v["sku"] for v in variants if v["handle"] == product.handle),
        ))
    result = ImportResult(len(new_products), len(changed_products), len(new_variants), len(changed_variants))
    audit.record(actor=actor, action="catalog.import", target_type="catalog", target_id="csv",
                 after={"rows": len(rows), **result.__dict__, "new_handles": sorted(new_handles)[:50]})
    return result

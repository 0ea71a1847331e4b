"""A search's facet counts (brand, colour, size, price span) in one scan of the matching variants.

The category page counts four facets over the same set of variants. Counted one facet at a time, the
database computes that set (variants x listings x products x the channel's default) four times per
page; at 20,000 variants that was most of a category page's time (bench_shop). On PostgreSQL one
statement does it: GROUPING SETS over the set, a window for the price span. SQLite has no GROUPING
SETS: there the counts are one grouped query per facet (`per_facet`), the same numbers
(catalog/tests/test_facet_counts.py holds the two to each other on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, Count, F, Max, Min, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

# GROUPING(f_brand, f_color, f_size, product_id): a bit per column, set when the row is NOT grouped by it.
_BY_BRAND, _BY_COLOR, _BY_SIZE, _TOTAL = 0b0111, 0b1011, 0b1101, 0b1111


@dataclass(frozen=True)
class Counts:
    """{value: products having it} per facet, brand names, and the span of the products' lowest prices."""

    brands: dict[str, int]
    brand_names: dict[str, str]
    colors: dict[str, int]
    sizes: dict[str, int]
    lowest: Decimal | None  # the cheapest product's price
    highest: Decimal | None  # the dearest product's lowest price ("from $…" of the dearest card)
    currency: str | None


def attribute(name: str) -> Cast:
    """A variant attribute as plain text (a JSON number 42 reads "42"), comparable on both databases."""
    return Cast(KeyTextTransform(name, "attributes"), output_field=CharField())


def count(rows: QuerySet) -> Counts:
    """The facet counts over the variants `rows` (catalog.queries.priced_variants, filtered)."""
    if connection.vendor == "postgresql":
        return grouped(rows)
    return per_facet(rows)


def _kept(value) -> bool:
    return value not in (None, "")


def grouped(rows: QuerySet) -> Counts:
    """PostgreSQL: every facet from one statement (one scan of `rows`)."""
    inner = rows.annotate(f_brand=F("product__brand__slug"), f_brand_name=F("product__brand__name"),
                          f_color=attribute("color"), f_size=attribute("size")).values(
        "product_id", "f_brand", "f_brand_name", "f_color", "f_size", "shop_price", "currency")
    sql, params = inner.query.sql_with_params()
    # The price span is over each product's lowest price: the (product_id) set gives those, a window
    # over the grouped rows takes their highest, and those per-product rows are dropped afterwards.
    statement = f"""
        SELECT g, f_brand, f_brand_name, f_color, f_size, n, lowest, highest, cur FROM (
            SELECT GROUPING(f_brand, f_color, f_size, product_id) AS g, f_brand, MAX(f_brand_name) AS f_brand_name,
                   f_color, f_size, COUNT(DISTINCT product_id) AS n, MIN(shop_price) AS lowest,
                   MAX(CASE WHEN GROUPING(product_id) = 0 THEN MIN(shop_price) END) OVER () AS highest,
                   MAX(currency) AS cur
            FROM ({sql}) AS matching
            GROUP BY GROUPING SETS ((f_brand), (f_color), (f_size), (product_id), ())
        ) AS counted
        WHERE g <> {0b1110}"""
    brands, names, colors, sizes = {}, {}, {}, {}
    lowest = highest = currency = None
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for g, brand, brand_name, color, size, n, low, high, cur in cursor.fetchall():
            if g == _BY_BRAND and _kept(brand):
                brands[brand], names[brand] = n, brand_name
            elif g == _BY_COLOR and _kept(color):
                colors[str(color)] = n
            elif g == _BY_SIZE and _kept(size):
                sizes[str(size)] = n
            elif g == _TOTAL:
                lowest, highest, currency = low, high, cur
    if currency is None:  # nothing matched
        lowest = highest = None
    return Counts(brands=brands, brand_names=names, colors=colors, sizes=sizes, lowest=lowest, highest=highest,
                  currency=currency)


def _value_counts(rows: QuerySet, name: str) -> dict[str, int]:
    found = (rows.annotate(facet=attribute(name)).values("facet")
             .annotate(n=Count("product_id", distinct=True)).values_list("facet", "n"))
    return {str(value): n for value, n in found if _kept(value)}


def per_facet(rows: QuerySet) -> Counts:
    """Any database: one grouped query per facet (four scans of `rows`)."""
    brands, names = {}, {}
    for slug, name, n in (rows.filter(product__brand__isnull=False)
                          .values("product__brand__slug", "product__brand__name")
                          .annotate(n=Count("product_id", distinct=True))
                          .values_list("product__brand__slug", "product__brand__name", "n")):
        brands[slug], names[slug] = n, name
    cheapest = rows.values("product_id").annotate(low=Min("shop_price"), cur=Max("currency"))
    span = cheapest.aggregate(lowest=Min("low"), highest=Max("low"), currency=Max("cur"))
    return Counts(brands=brands, brand_names=names, colors=_value_counts(rows, "color"),
                  sizes=_value_counts(rows, "size"), lowest=span["lowest"], highest=span["highest"],
                  currency=span["currency"])

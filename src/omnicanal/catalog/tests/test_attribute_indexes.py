"""The shop's colour and size filters can read the variant attribute indexes (migration 0004) on
PostgreSQL: the filter's own expressions (catalog.search._matching) match the indexes' expressions.
A tiny test table would be scanned anyway, so sequential scans are priced out here: what is proven is
that the index CAN serve the filter (a drifted expression would leave only the scan), not the
planner's choice at any size (docs/storefront.md "Speed", "Sixth pass" measured that)."""

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet

from omnicanal.catalog import search, services
from omnicanal.catalog.models import Variant
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money


@pytest.fixture
def shoes(db):
    category = services.do_create_category(slug="zapatillas", name_es="Zapatillas", name_en="Shoes")
    services.do_create_product(
        name_es="Rayo", category=category, price=Money.of("69990"), handle="rayo",
        variants=[VariantSpec(sku="RAY-40", attributes={"size": "40", "color": "negro"}),
                  VariantSpec(sku="RAY-42", attributes={"size": 42, "color": "azul"}),
                  VariantSpec(sku="RAY-M", attributes={"size": "M"})])


def _filtered(**facets) -> QuerySet:
    chosen = {"sizes": set(), "colors": set(), **facets}
    return search._matching(Variant.objects.all(), brands=set(), only_skus=None, **chosen)


def _plan(rows) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return rows.explain()


@pytest.mark.parametrize(("facets", "index"), [
    ({"colors": {"negro"}, "sizes": {"40", "42"}}, "variant_color_size"),
    ({"colors": {"negro", "azul"}}, "variant_color_size"),
    ({"sizes": {"42", "M"}}, "variant_size"),
])
def test_the_colour_and_size_filter_reads_the_index(shoes, facets, index):
    if connection.vendor != "postgresql":
        pytest.skip("expression indexes used by the planner: PostgreSQL (SQLite may scan)")
    plan = _plan(_filtered(**facets))
    assert f"Index Scan on {index}" in plan or f"Index Scan using {index}" in plan, plan


def test_the_indexed_filter_gives_the_same_variants(shoes):
    """A JSON number 42 still reads "42"; a variant without colour is not a colour's."""
    assert set(_filtered(sizes={"42", "M"}).values_list("sku", flat=True)) == {"RAY-42", "RAY-M"}
    assert set(_filtered(colors={"negro"}, sizes={"40", "42"}).values_list("sku", flat=True)) == {"RAY-40"}
    assert set(_filtered(colors={"azul", "negro"}).values_list("sku", flat=True)) == {"RAY-40", "RAY-42"}

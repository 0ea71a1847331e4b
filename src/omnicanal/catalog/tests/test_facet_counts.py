"""The facet counts of a search (catalog/facet_counts.py): PostgreSQL's one statement (GROUPING SETS)
gives exactly the numbers of the one-query-per-facet way, on the sets the shop asks for."""

from decimal import Decimal

import pytest
from django.db import connection

from omnicanal.catalog import facet_counts, queries, services
from omnicanal.catalog.models import Channel, Product, Variant
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money


@pytest.fixture
def rack(db):
    """Shoes and tees of two brands and one without; a numeric size, a variant without colour, one
    variant dearer on the web, one hidden from the web, an inactive product."""
    shoes = services.do_create_category(slug="zapatillas", name_es="Zapatillas", name_en="Shoes")
    tees = services.do_create_category(slug="poleras", name_es="Poleras", name_en="Tees")
    condor, huemul = services.do_ensure_brand(name="Cóndor"), services.do_ensure_brand(name="Huemul")

    def make(handle, category, brand, price, variants):
        return services.do_create_product(
            name_es=handle, category=category, brand=brand, price=Money.of(price), handle=handle,
            variants=[VariantSpec(sku=sku, attributes=attrs) for sku, attrs in variants])

    make("rayo", shoes, condor, "69990", [("RAY-40", {"size": "40", "color": "negro"}),
                                          ("RAY-42", {"size": 42, "color": "azul"})])
    make("chispa", shoes, huemul, "39990", [("CHI-40", {"size": "40", "color": "rojo"}),
                                            ("CHI-41", {"size": "41"})])
    make("libre", shoes, None, "59990", [("LIB-40", {"size": "40", "color": "negro"})])
    make("brisa", tees, condor, "19990", [("BRI-S", {"size": "S", "color": "blanco"}),
                                          ("BRI-M", {"size": "M", "color": "negro"})])
    gone = make("vieja", tees, huemul, "9990", [("OLD-M", {"size": "M", "color": "verde"})])
    Product.objects.filter(pk=gone.pk).update(active=False)
    web = Channel.objects.get(code="web")
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="RAY-42"), published=True,
                            price=Money.of("89990"))
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="BRI-M"), published=False)


def _sets():
    rows = queries.priced_variants("web")
    return {
        "everything": rows,
        "a category": rows.filter(product__category__slug="zapatillas"),
        "a size": rows.annotate(s=facet_counts.attribute("size")).filter(s__in=["40", "M"]),
        "nothing": rows.filter(sku="NONE"),
        "the app": queries.priced_variants("app"),
    }


def test_the_counts_are_the_products_having_each_value(rack):
    counts = facet_counts.count(queries.priced_variants("web"))
    assert counts.brands == {"condor": 2, "huemul": 1}  # "libre" has no brand; "vieja" is inactive
    assert counts.brand_names == {"condor": "Cóndor", "huemul": "Huemul"}
    assert counts.sizes == {"40": 3, "41": 1, "42": 1, "S": 1}  # BRI-M is hidden from the web
    assert counts.colors == {"negro": 2, "azul": 1, "rojo": 1, "blanco": 1}
    # Each product's lowest price: 19,990 (brisa) .. 69,990 (rayo: its dearer web variant is not its lowest).
    assert (counts.lowest, counts.highest, counts.currency) == (Decimal("19990"), Decimal("69990"), "CLP")


def test_nothing_matching_counts_nothing(rack):
    counts = facet_counts.count(queries.priced_variants("web").filter(sku="NONE"))
    assert (counts.brands, counts.sizes, counts.colors) == ({}, {}, {})
    assert (counts.lowest, counts.highest, counts.currency) == (None, None, None)


def test_one_statement_equals_one_query_per_facet(rack, django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("GROUPING SETS: PostgreSQL only (SQLite counts per facet)")
    Channel.objects.filter(code="app").update(publish_by_default=True)
    queries.forget_channels()
    assert Variant.objects.count() == 8
    for label, rows in _sets().items():
        with django_assert_num_queries(1):
            one = facet_counts.grouped(rows)
        assert one == facet_counts.per_facet(rows), label


def test_the_category_page_counts_facets_in_one_query_on_postgresql(rack, django_assert_max_num_queries):
    # the subtree, the facets (one statement on PostgreSQL, four elsewhere), the page, names, SKUs, images
    expected = 6 if connection.vendor == "postgresql" else 9
    with django_assert_max_num_queries(expected):
        result = queries.search_catalog(channel="web", category="zapatillas")
    assert {f.value: f.count for f in result.facets.sizes} == {"40": 3, "41": 1, "42": 1}
    assert result.facets.price.low == Money.of("39990") and result.facets.price.high == Money.of("69990")

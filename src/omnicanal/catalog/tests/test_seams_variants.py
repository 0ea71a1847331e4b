"""The seam the catalog offers other domains for variants: typed values and ids, never its model rows."""

import dataclasses

import pytest
from django.db import connection

from omnicanal.catalog import queries, services
from omnicanal.catalog.queries import VariantSummary
from omnicanal.core.errors import NotFound


@pytest.mark.django_db
def test_variant_summaries_are_frozen_values_in_catalog_order(make_product):
    # given two products of the running-shoes category
    make_product(handle="trail-x", skus=("TRX-40", "TRX-41"))
    make_product(handle="road-y", skus=("RDY-39",))
    # when another domain asks for every variant
    rows = queries.variant_summaries()
    # then it gets frozen summaries in creation order, with the product's name and the category's slug
    assert [r.sku for r in rows] == ["TRX-40", "TRX-41", "RDY-39"]
    assert all(type(r) is VariantSummary for r in rows)
    assert rows[0].name == "Zapatilla trail-x" and rows[0].category == "zapatillas-running"
    assert rows[0].id == queries.variant_ids(["TRX-40"])["TRX-40"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].sku = "X"  # type: ignore[misc]


@pytest.mark.django_db
def test_variant_ids_leave_unknown_skus_out_and_variant_id_refuses_them(product):
    # given the product's two SKUs
    ids = queries.variant_ids(["TRX-40", "TRX-41", "NOPE"])
    # then the known ones map to distinct row ids and the unknown one is absent
    assert set(ids) == {"TRX-40", "TRX-41"} and ids["TRX-40"] != ids["TRX-41"]
    assert queries.variant_id("TRX-41") == ids["TRX-41"]
    with pytest.raises(NotFound):
        queries.variant_id("NOPE")


@pytest.mark.django_db
def test_listed_skus_are_those_listed_on_the_channel_in_that_state(product):
    # given TRX-40 published on the marketplace and TRX-41 listed there but hidden
    marketplace = queries.get_channel("marketplace")
    services.do_set_listing(channel=marketplace, variant=queries.get_variant("TRX-40"), published=True)
    services.do_set_listing(channel=marketplace, variant=queries.get_variant("TRX-41"), published=False)
    # then each state answers its own SKUs, and a channel without listings none
    assert queries.listed_skus("marketplace") == ["TRX-40"]
    assert queries.listed_skus("marketplace", published=False) == ["TRX-41"]
    assert queries.listed_skus("web") == []


@pytest.mark.django_db
def test_channel_codes_include_closed_channels_only_when_asked():
    # given the default channels, one of them closed
    services.do_ensure_default_channels()
    code = queries.channel_codes()[0]
    type(queries.get_channel(code)).objects.filter(code=code).update(active=False)
    queries.forget_channels()
    # then the active list leaves it out and the full list keeps it
    assert code not in queries.channel_codes()
    assert code in queries.channel_codes(active_only=False)


@pytest.mark.django_db
def test_the_variant_table_joins_a_sku_to_its_id_in_raw_sql(product):
    # given the table name the catalog hands raw SQL
    table = queries.variant_table_sql()
    # when another domain joins by it
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v.id FROM {table} v WHERE v.sku = %s", ["TRX-40"])
        found = cursor.fetchone()[0]
    # then it finds the same row id the typed query gives
    assert found == queries.variant_id("TRX-40")

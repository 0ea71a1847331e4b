"""Issue 16 item 2: entities in a customer's words, products and locations from the catalog and the
locations (fuzzy: typos, no accents, Chilean nicknames), order numbers as the orders domain writes
them, sizes, email and phone."""

import pytest

from omnicanal.bot import nlu
from omnicanal.bot.nlu import entities

pytestmark = pytest.mark.django_db


def found(text):
    return [(e.kind, e.value) for e in nlu.parse(text).entities]


def test_product_location_and_size_in_a_stock_question(shop):
    parsed = nlu.parse("wena, tienen las zapatillas Pampa en talla 42 en la tienda de valpo?")
    assert parsed.intent == "store_stock" and parsed.language == "es"
    assert parsed.first("product") == "zapatilla-pampa"
    assert parsed.first("location") == "VAP-PLAZA"
    assert parsed.first("size") == "42"


def test_typos_missing_accents_and_english_names_still_match(shop):
    assert ("product", "zapatilla-salar") in found("hay zapatillas salr de trail en conce?")
    assert ("location", "CCP-MALL") in found("hay zapatillas salr de trail en conce?")
    assert ("location", "CCP-MALL") in found("is the Urbano helmet at the Concepcion store")
    assert ("product", "casco-urbano") in found("is the Urbano helmet at the Concepcion store")
    assert ("location", "SCL-CENTRO") in found("tienen stock en la tienda del centro?")


def test_common_words_alone_name_no_product_or_store(shop):
    kinds = {kind for kind, _ in found("tienen zapatillas en alguna tienda?")}
    assert "product" not in kinds and "location" not in kinds


def test_skus_are_matched_exactly_whatever_the_case(shop):
    assert ("sku", "ZR-PAMPA-42") in found("está disponible el zr-pampa-42?")
    assert not [v for k, v in found("está disponible el ZR-PAMPA-43?") if k == "sku"]


def test_order_numbers_take_the_orders_domains_canonical_form(db):
    assert found("mi pedido AS-100311 no llega")[0] == ("order_number", "AS-100311")
    assert ("order_number", "AS-100987") in found("pedido #100987")
    assert ("order_number", "AS-100555") in found("orden as100555 dónde está")
    assert not [v for k, v in found("pedido 12345") if k == "order_number"]  # below the numbering


def test_email_and_a_chilean_phone_written_any_way(db):
    parsed = nlu.parse("mi correo es Ana.Perez@Gmail.com y mi fono 9 8765 4321, pedido 100200")
    assert parsed.first("email") == "Ana.Perez@gmail.com"
    assert parsed.first("phone") == "+56987654321"
    assert parsed.first("order_number") == "AS-100200"
    assert nlu.parse("call me on +56 2 2345 6789").first("phone") == "+56223456789"
    assert nlu.parse("llámame al 987654321").first("order_number") is None


@pytest.mark.parametrize("text, size", [
    ("talla 42", "42"), ("size 9", "9"), ("la polera en talla M", "M"), ("tienen en XL?", "XL"),
    ("do you have it in medium", "M"), ("número 44", "44"), ("in a 40", "40"),
    ("42", "42"), ("M", "M"), ("xl!", "XL"), ("9.5", "9.5"),  # a bare answer to "which size?"
])
def test_sizes(db, text, size):
    assert nlu.parse(text).first("size") == size


def test_numbers_that_are_not_sizes(db):
    assert nlu.parse("llega en 2 días?").first("size") is None
    assert nlu.parse("compré 3 poleras").first("size") is None


def test_a_new_product_is_understood_once_the_cache_expires(shop, monkeypatch):
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.core.money import Money

    assert nlu.parse("tienen la mochila Araucaria?").first("product") is None
    catalog.do_create_product(name_es="Mochila de trekking Licán Araucaria", category=catalog.do_ensure_category(ref="zapatillas"),
                              price=Money.of("49990"), handle="mochila-araucaria", variants=[VariantSpec(sku="MO-ARA")])
    assert nlu.parse("tienen la mochila Araucaria?").first("product") is None  # cached for CACHE_SECONDS
    monkeypatch.setattr(entities, "CACHE_SECONDS", 0.0)
    assert nlu.parse("tienen la mochila Araucaria?").first("product") == "mochila-araucaria"



def test_a_withdrawn_product_is_not_named(shop, monkeypatch):
    from omnicanal.catalog import queries as catalog_queries
    from omnicanal.catalog import services as catalog

    assert nlu.parse("tienen el casco Urbano?").first("product") == "casco-urbano"
    catalog.do_update_product(product=catalog_queries.get_product("casco-urbano"), changes={"active": False})
    monkeypatch.setattr(entities, "CACHE_SECONDS", 0.0)
    assert nlu.parse("tienen el casco Urbano?").first("product") is None
    assert "casco-urbano" not in {p.handle for p in catalog_queries.product_names()}
    assert next(p for p in catalog_queries.product_names() if p.handle == "zapatilla-pampa").skus == (
        "ZR-PAMPA-41", "ZR-PAMPA-42")

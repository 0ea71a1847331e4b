import pytest

from omnicanal.catalog import queries
from omnicanal.catalog.models import Category, Product, Variant
from omnicanal.core.models import OutboxEvent

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Zapatilla Cóndor Trail",
    "description": "Zapatilla de trail con suela de alto agarre.",
    "name_en": "Cóndor Trail shoe",
    "description_en": "Trail shoe with a grippy sole.",
    "category": "Zapatillas",
    "brand": "Cóndor",
    "price": {"amount": "89990", "currency": "CLP"},
    "variants": [
        {"sku": "CON-TR-40", "attributes": {"size": "40", "color": "negro"}, "gtin": "7801234567894"},
        {"sku": "CON-TR-41", "attributes": {"size": "41", "color": "negro"}, "price": {"amount": "92990", "currency": "CLP"}},
    ],
}


def test_a_product_is_created_with_its_variants_and_answers_201(api):
    # when a product is posted
    response = api.post("/products", NEW)
    # then it exists with public ids, its variants and money on the wire
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("prd_") and body["handle"] == "zapatilla-condor-trail"
    assert body["price"] == {"amount": "89990", "currency": "CLP"}
    assert [v["sku"] for v in body["variants"]] == ["CON-TR-40", "CON-TR-41"]
    assert body["variants"][0]["id"].startswith("var_")
    assert body["variants"][1]["price"] == {"amount": "92990", "currency": "CLP"}
    assert body["variants"][0]["attributes"] == {"size": "40", "color": "negro"}
    # and an unknown category name becomes a category; the event left through the outbox
    assert Category.objects.filter(slug="zapatillas").exists()
    assert OutboxEvent.objects.filter(topic="catalog.ProductCreated").count() == 1


def test_a_product_is_found_by_id_handle_or_sku(api):
    created = api.post("/products", NEW).json()
    for ref in (created["id"], "zapatilla-condor-trail", "CON-TR-41"):
        assert api.get(f"/products/{ref}").json()["id"] == created["id"]
    assert api.get("/products/NOPE").status_code == 404
    listing = api.get("/products?q=condor").json()
    assert listing["total"] == 1 and listing["items"][0]["variant_count"] == 2


def test_a_repeated_sku_is_a_field_error_and_nothing_is_written(api):
    body = {**NEW, "variants": [{"sku": "DUP-1"}, {"sku": "DUP-1"}]}
    response = api.post("/products", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "variants.1.sku"
    assert not Product.objects.exists()


def test_an_existing_sku_or_a_bad_gtin_is_refused(api):
    api.post("/products", NEW)
    again = api.post("/products", {**NEW, "name": "Otra", "variants": [{"sku": "CON-TR-40"}]})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "variants.0.sku"
    bad = api.post("/products", {**NEW, "name": "Otra", "variants": [{"sku": "NEW-1", "gtin": "7801234567890"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "variants.0.gtin"


def test_bad_input_gets_field_errors_not_a_500(api):
    response = api.post("/products", {"name": "", "category": "x", "price": {"amount": "-1", "currency": "CLP"},
                                      "variants": []})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "variants"} <= fields
    usd = api.post("/products", {**NEW, "price": {"amount": "10", "currency": "USD"}})
    assert usd.status_code == 422 and usd.json()["errors"][0]["field"] == "price.currency"


def test_a_role_without_the_right_cannot_create_products(api, issue_key):
    assert api.as_(issue_key("agent")).post("/products", NEW).status_code == 403
    assert api.as_(issue_key("marketer")).post("/products", NEW).status_code == 201


def test_patch_changes_texts_and_adds_variants(api):
    created = api.post("/products", NEW).json()
    response = api.patch(f"/products/{created['id']}", {"name_en": "Condor Trail", "price": "79990",
                                                          "variants": [{"sku": "CON-TR-42"}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name_en"] == "Condor Trail" and body["price"]["amount"] == "79990"
    assert [v["sku"] for v in body["variants"]][-1] == "CON-TR-42"


def test_categories_carry_the_purchase_cycle(api, shoes_category):
    # a child without its own cycle takes its parent's, interval included
    response = api.post("/categories", {"slug": "geles", "name": "Geles", "purchase_cycle": "replenishable",
                                        "replenish_days": 30})
    assert response.status_code == 201
    child = api.post("/categories", {"slug": "geles-cafeina", "name": "Geles con cafeína", "parent": "geles"})
    assert child.json()["purchase_cycle"] == "replenishable" and child.json()["replenish_days"] == 30
    no_interval = api.post("/categories", {"slug": "proteina", "name": "Proteína", "purchase_cycle": "replenishable"})
    assert no_interval.status_code == 422


def test_the_purchase_cycle_of_a_sku_is_readable_for_engagement(product):
    assert queries.purchase_cycle("TRX-40") == ("replenishable", 240)


def test_variants_are_unique_by_sku_in_the_database(product):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(product=product, sku="TRX-40")

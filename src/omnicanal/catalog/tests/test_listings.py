import pytest

from omnicanal.catalog.consistency import consistency_report
from omnicanal.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def drifts(**kw):
    return {(d.sku, d.channel, d.field) for d in consistency_report(stock=False, **kw)}


def test_a_listing_without_overrides_shows_the_product(api, product):
    shown = api.get("/listings/web/TRX-40").json()
    assert shown["price"] == {"amount": "89990", "currency": "CLP"}
    assert shown["title"] == "Zapatilla trail-x" and shown["published"] is True
    assert shown["overrides"] == {"price": False, "title": False, "description": False}


def test_put_listing_overrides_per_channel_and_falls_back_when_cleared(api, product):
    # when the marketplace gets its own price and is published
    response = api.put("/listings/marketplace/TRX-40", {"price": {"amount": "94990", "currency": "CLP"}, "published": True})
    assert response.status_code == 200, response.content
    assert response.json()["price"]["amount"] == "94990" and response.json()["overrides"]["price"] is True
    # then the web keeps the product's price
    assert api.get("/listings/web/TRX-40").json()["price"]["amount"] == "89990"
    # and a PUT without a price clears the override (PUT replaces the listing)
    cleared = api.put("/listings/marketplace/TRX-40", {"published": True}).json()
    assert cleared["price"]["amount"] == "89990" and cleared["overrides"]["price"] is False
    assert OutboxEvent.objects.filter(topic="catalog.ListingChanged").count() == 2


def test_unknown_channel_or_sku_is_404_and_published_is_required(api, product):
    assert api.put("/listings/fax/TRX-40", {"published": True}).status_code == 404
    assert api.put("/listings/web/NOPE", {"published": True}).status_code == 404
    missing = api.put("/listings/web/TRX-40", {"price": "1000"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "published"


def test_a_consistent_catalog_has_no_drift(product):
    assert drifts() == set()


def test_the_marketplace_may_be_up_to_8_percent_above_the_web_and_no_more(api, product):
    # 89 990 × 1.08 = 97 189.2
    api.put("/listings/marketplace/TRX-40", {"price": "97189", "published": True})
    api.put("/listings/marketplace/TRX-41", {"price": "97190", "published": True})
    found = consistency_report(stock=False)
    assert [(d.sku, d.channel, d.field, d.value, d.reference, d.reference_channel) for d in found] == [
        ("TRX-41", "marketplace", "price", "97190", "89990", "web")
    ]


def test_a_lower_price_on_one_channel_is_drift_too(api, product):
    api.put("/listings/pos/TRX-40", {"price": "79990", "published": True})
    # the mobile POS is held to the POS: its product price now differs from the POS's own
    assert drifts() == {("TRX-40", "pos", "price"), ("TRX-40", "mpos", "price")}


def test_another_title_or_description_on_a_channel_is_drift_unless_its_policy_allows_it(api, product):
    api.put("/listings/marketplace/TRX-40", {"title": "ZAPATILLA TRAIL X OFERTA", "description": "Otra cosa",
                                             "title_en": "TRAIL X", "published": True})
    assert drifts() == {("TRX-40", "marketplace", "title"), ("TRX-40", "marketplace", "description")}
    api.put("/channels/marketplace", {"allow_title_override": True, "allow_description_override": True})
    assert drifts() == set()


def test_a_title_override_without_english_is_a_missing_translation(api, product):
    api.put("/channels/marketplace", {"allow_title_override": True})
    api.put("/listings/marketplace/TRX-40", {"title": "Trail X Cóndor", "published": True})
    assert drifts() == {("TRX-40", "marketplace", "title_en")}


def test_published_on_a_channel_while_hidden_on_its_reference_is_drift(api, product):
    api.put("/listings/web/TRX-40", {"published": False})
    found = drifts()
    # the app mirrors the web; chat, phone and POS follow it; the marketplace is not published by default
    assert ("TRX-40", "app", "published") in found
    assert ("TRX-40", "chat", "published") in found
    assert ("TRX-40", "marketplace", "published") not in found
    # a mirror must show what its reference shows: hidden in the app while the web sells it is drift too
    api.put("/listings/web/TRX-40", {"published": True})
    api.put("/listings/app/TRX-40", {"published": False})
    assert drifts() == {("TRX-40", "app", "published")}


def test_missing_english_texts_are_reported_once_for_all_channels(make_product):
    make_product(handle="sin-ingles", skus=("SIN-1",), name_en="", description_en="")
    assert drifts() == {("SIN-1", "*", "name_en"), ("SIN-1", "*", "description_en")}


def test_published_while_out_of_stock_comes_from_a_stock_provider(api, product):
    api.put("/listings/marketplace/TRX-40", {"published": True})

    def provider(skus, channels):
        return {("TRX-40", c): 3 for c in channels if c != "marketplace"}

    found = {(d.sku, d.channel, d.field) for d in consistency_report(stock=provider, fields=["stock"])}
    assert ("TRX-40", "marketplace", "stock") in found
    assert ("TRX-40", "web", "stock") not in found
    assert ("TRX-41", "web", "stock") in found  # nothing anywhere


def test_the_consistency_endpoint_answers_json_and_csv(api, product):
    api.put("/listings/marketplace/TRX-40", {"price": "120000", "published": True})
    body = api.get("/catalog/consistency?field=price").json()
    assert body["items"] == [{"sku": "TRX-40", "channel": "marketplace", "field": "price", "value": "120000",
                              "reference": "89990", "reference_channel": "web",
                              "product_id": product.public_id}]
    csv = api.get("/catalog/consistency?format=csv&field=price")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines() == [
        "sku,channel,field,value,reference,reference_channel,product_id",
        f"TRX-40,marketplace,price,120000,89990,web,{product.public_id}",
    ]


def test_channel_policy_changes_are_audited_and_validated(api, issue_key, product):
    from omnicanal.core.models import AuditEntry

    assert api.put("/channels/marketplace", {"price_above_pct": "-1"}).status_code == 422
    assert api.as_(issue_key("marketer")).put("/channels/marketplace", {"price_above_pct": "10"}).status_code == 403
    assert api.put("/channels/marketplace", {"price_above_pct": "10"}).json()["price_above_pct"] == "10"
    assert AuditEntry.objects.filter(action="channel.policy", target_id="marketplace").exists()

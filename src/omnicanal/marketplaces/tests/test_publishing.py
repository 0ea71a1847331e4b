"""Issue 20 (Mercado Libre, part A): items created from the catalog (POST /items) and kept up to
date, paused and resumed; multi-origin stock per warehouse. Against the loopback Mercado Libre."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.catalog import consistency
from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog import services as catalog
from omnicanal.core import clock
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.marketplaces import tasks
from omnicanal.marketplaces.models import ApiCall, ListingState, MarketplaceListing
from omnicanal.marketplaces.tests.conftest import connect
from omnicanal.orders import services as orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(sandbox):
    from omnicanal.orders.tests.conftest import make_world

    make_world()
    with transaction.atomic():  # the marketplace keeps 2 units back at the warehouse: availability < on hand
        inventory.do_link_channel(location=inventory_queries.get_location("WH"), channel="marketplace",
                                  safety_stock=2)
    return connect(sandbox)


def publish(api, account, capture, **body):
    with capture(execute=True):
        return api.post(f"/marketplace-accounts/{account.public_id}/listings", {"category_id": "MLC1276", **body})


def set_price(sku: str, price: str, capture) -> None:
    with capture(execute=True), transaction.atomic():
        catalog.do_set_listing(channel=catalog_queries.get_channel("marketplace"),
                               variant=catalog_queries.get_variant(sku), published=True, price=Decimal(price))


def push_after_window() -> None:
    with clock.frozen(clock.now() + dt.timedelta(seconds=11)):
        tasks.push_stock.call_local()


def available(sku: str) -> int:
    return inventory_queries.availability(sku=sku, channel="marketplace").available


def test_a_variant_published_from_the_catalog_becomes_an_item_and_follows_price_and_stock(
        api, sandbox, account, django_capture_on_commit_callbacks):
    answer = publish(api, account, django_capture_on_commit_callbacks, sku="SOCK-1")
    assert answer.status_code == 201, answer.content
    # the item as Mercado Libre received it: the catalog's title and price, availability (never on hand)
    [sent] = sandbox.created_items
    on_hand = sum(inventory_queries.stock_level(location=c, sku="SOCK-1")["on_hand"] for c in ("WH", "SCL"))
    assert sent["available_quantity"] == available("SOCK-1") != on_hand
    assert (sent["title"], sent["category_id"], sent["price"], sent["currency_id"]) == ("Calcetín", "MLC1276", 5000, "CLP")
    assert (sent["listing_type_id"], sent["condition"], sent["buying_mode"]) == ("gold_special", "new", "buy_it_now")
    assert {"id": "SELLER_SKU", "value_name": "SOCK-1"} in sent["attributes"]
    assert {"id": "GTIN", "value_name": "7800000000016"} in sent["attributes"]
    assert isinstance(sent["pictures"], list)
    # and the link recorded from its answer
    listing = MarketplaceListing.objects.get(sku="SOCK-1")
    assert listing.item_id.startswith("MLC9") and listing.user_product_id.startswith("MLCU")
    assert (listing.state, listing.remote_status, listing.created_here) == (ListingState.ACTIVE, "active", True)
    assert [row["item_id"] for row in api.get(f"/marketplace-accounts/{account.public_id}/listings").json()] == [
        listing.item_id]
    # a price change in the catalog is pushed (PUT /items/{id})
    set_price("SOCK-1", "5200", django_capture_on_commit_callbacks)
    assert sandbox.items[listing.item_id]["price"] == 5200
    # and a stock change, after the debounce window, as the figure the channel may promise
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        inventory.do_receive_stock(location=inventory_queries.get_location("SCL"), lines=[("SOCK-1", 4)])
    push_after_window()
    assert sandbox.items[listing.item_id]["available_quantity"] == available("SOCK-1") == sent["available_quantity"] + 4


def test_a_product_with_variants_is_published_as_one_item_per_variant(api, sandbox, account,
                                                                       django_capture_on_commit_callbacks):
    answer = publish(api, account, django_capture_on_commit_callbacks, product="SHOE-41", condition="used")
    assert answer.status_code == 201, answer.content
    assert sorted(row["sku"] for row in answer.json()) == ["SHOE-40", "SHOE-41", "SHOE-42"]
    skus = sorted(next(a["value_name"] for a in body["attributes"] if a["id"] == "SELLER_SKU")
                  for body in sandbox.created_items)
    assert skus == ["SHOE-40", "SHOE-41", "SHOE-42"]
    assert {body["condition"] for body in sandbox.created_items} == {"used"}
    assert MarketplaceListing.objects.filter(state=ListingState.ACTIVE).exclude(item_id="").count() == 3
    # publishing one of them again is refused on its field
    again = publish(api, account, django_capture_on_commit_callbacks, sku="SHOE-40")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "sku"


def test_an_out_of_policy_price_is_not_created_and_goes_out_once_back_within(api, sandbox, account,
                                                                           django_capture_on_commit_callbacks):
    set_price("SOCK-1", "9000", django_capture_on_commit_callbacks)  # 80% above the web: outside the 8% policy
    answer = publish(api, account, django_capture_on_commit_callbacks, sku="SOCK-1")
    assert answer.status_code == 201 and answer.json()[0]["state"] == "held"
    assert "9000" in answer.json()[0]["held_reason"]
    assert sandbox.created_items == [] and ("POST", "/items") not in sandbox.requests
    drifts = consistency.consistency_report(stock=False, skus=["SOCK-1"], channels=["marketplace"], fields=["price"])
    assert [(d.channel, d.value) for d in drifts] == [("marketplace", "9000")]
    # the catalog brings the price back within the policy: the item is created then
    set_price("SOCK-1", "5300", django_capture_on_commit_callbacks)
    assert [body["price"] for body in sandbox.created_items] == [5300]
    assert MarketplaceListing.objects.get(sku="SOCK-1").state == ListingState.ACTIVE


def test_bad_requests_and_a_refused_item_are_field_errors_or_the_listings_error(api, sandbox, account,
                                                                              django_capture_on_commit_callbacks):
    missing = publish(api, account, django_capture_on_commit_callbacks)
    unknown = publish(api, account, django_capture_on_commit_callbacks, sku="NOPE")
    condition = publish(api, account, django_capture_on_commit_callbacks, sku="SOCK-1", condition="broken")
    product = publish(api, account, django_capture_on_commit_callbacks, product="no-such-thing")
    assert [r.status_code for r in (missing, unknown, condition, product)] == [422] * 4
    assert [r.json()["errors"][0]["field"] for r in (missing, unknown, condition, product)] == [
        "sku", "sku", "condition", "product"]
    # Mercado Libre refuses the category: the call fails for good and the listing shows why
    sandbox.categories = {"MLC1276"}
    refused = publish(api, account, django_capture_on_commit_callbacks, sku="SOCK-1", category_id="MLC0")
    assert refused.status_code == 201
    listing = MarketplaceListing.objects.get(sku="SOCK-1")
    assert listing.item_id == "" and "MLC0" in listing.last_error
    assert ApiCall.objects.get(key="create:SOCK-1").status == "failed"


def test_pause_and_resume_reach_the_marketplace_and_a_price_change_keeps_it_paused(
        api, sandbox, account, django_capture_on_commit_callbacks):
    publish(api, account, django_capture_on_commit_callbacks, sku="SOCK-1")
    item = MarketplaceListing.objects.get(sku="SOCK-1").item_id
    with django_capture_on_commit_callbacks(execute=True):
        paused = api.post(f"/marketplace-accounts/{account.public_id}/listings/SOCK-1/pause", {})
    assert paused.status_code == 200, paused.content
    assert sandbox.items[item]["status"] == "paused"
    assert MarketplaceListing.objects.get(sku="SOCK-1").remote_status == "paused"
    set_price("SOCK-1", "5100", django_capture_on_commit_callbacks)
    assert sandbox.items[item]["price"] == 5100 and sandbox.items[item]["status"] == "paused"
    with django_capture_on_commit_callbacks(execute=True):
        resumed = api.post(f"/marketplace-accounts/{account.public_id}/listings/SOCK-1/resume", {})
    assert resumed.json()["paused"] is False  # answered before the worker's call lands
    assert MarketplaceListing.objects.get(sku="SOCK-1").remote_status == "active"
    assert sandbox.items[item]["status"] == "active"
    assert api.post(f"/marketplace-accounts/{account.public_id}/listings/TENT-1/pause", {}).status_code == 404


def test_a_multi_warehouse_seller_gets_each_mapped_locations_availability(api, sandbox, account,
                                                                         django_capture_on_commit_callbacks):
    sandbox.warehouses = {"bodega-1", "tienda-scl"}
    url = f"/marketplace-accounts/{account.public_id}/warehouses"
    unknown = api.put(url, {"multi_warehouse": True, "warehouses": [{"location": "NOPE", "store_id": "x"}]})
    empty = api.put(url, {"multi_warehouse": True, "warehouses": []})
    twice = api.put(url, {"multi_warehouse": True, "warehouses": [{"location": "WH", "store_id": "x"},
                                                                  {"location": "SCL", "store_id": "x"}]})
    assert [unknown.status_code, empty.status_code, twice.status_code] == [422, 422, 422]
    assert [r.json()["errors"][0]["field"] for r in (unknown, empty, twice)] == [
        "warehouses.0.location", "warehouses", "warehouses.1"]
    mapped = api.put(url, {"multi_warehouse": True, "warehouses": [{"location": "WH", "store_id": "bodega-1"},
                                                                   {"location": "SCL", "store_id": "tienda-scl"}]})
    assert mapped.status_code == 200, mapped.content
    assert api.get(url).json()["warehouses"] == [{"location": "SCL", "store_id": "tienda-scl"},
                                                 {"location": "WH", "store_id": "bodega-1"}]
    publish(api, account, django_capture_on_commit_callbacks, sku="SHOE-40")
    listing = MarketplaceListing.objects.get(sku="SHOE-40")
    push_after_window()
    per_location = {p.code: p.available for p in inventory_queries.availability(sku="SHOE-40",
                                                                                channel="marketplace").locations}
    expected = {"bodega-1": per_location["WH"], "tienda-scl": per_location["SCL"]}
    assert sandbox.user_product_stock[listing.user_product_id] == expected
    assert expected["bodega-1"] == 10 - 2  # the channel's safety stock kept back, never on hand
    sent_before = len(sandbox.stock_updates)
    # two sales at the Santiago store inside the window: one call, with that warehouse's new figure
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            orders.do_place_order(channel="pos", delivery={"method": "carry_out", "location": "SCL"},
                                  lines=[orders.LineIn(sku="SHOE-40", quantity=1)],
                                  payments=[orders.PaymentIn(method="cash")])
    tasks.push_stock.call_local()
    assert len(sandbox.stock_updates) == sent_before
    push_after_window()
    assert len(sandbox.stock_updates) == sent_before + 1
    assert sandbox.user_product_stock[listing.user_product_id] == {"bodega-1": 8, "tienda-scl": expected["tienda-scl"] - 2}
    # never the item's single figure for a multi-warehouse seller
    assert not any("available_quantity" in body for item, body in sandbox.item_updates if item == listing.item_id)

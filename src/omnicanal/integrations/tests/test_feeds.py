"""Product feeds: Google Merchant Center XML and CSV per channel, at signed URLs."""

import csv
import io
from xml.etree import ElementTree as ET

import pytest
from django.db import transaction

from omnicanal.catalog.models import Channel, Variant
from omnicanal.catalog.services import do_set_listing
from omnicanal.integrations import feeds
from omnicanal.inventory.tests.conftest import make_catalog, make_locations, receive

G = "{http://base.google.com/ns/1.0}"


@pytest.fixture
def shop(db):
    with transaction.atomic():
        make_catalog()
        make_locations()
        receive("WH", **{"SHOE-40": 5})
        web = Channel.objects.get(code="web")
        do_set_listing(channel=web, variant=Variant.objects.get(sku="SHOE-41"), published=True, price="45000",
                       description_es="Edición web")
        do_set_listing(channel=web, variant=Variant.objects.get(sku="SHOE-42"), published=False)


def test_the_signed_feeds_list_the_channels_listings_prices_and_availability(shop, api, client):
    listed = {f["channel"]: f for f in api.get("/feeds").json()}
    web = listed["web"]

    xml = client.get(web["xml"])
    assert xml.status_code == 200 and xml["Content-Type"].startswith("application/xml")
    items = {i.find(f"{G}id").text: i for i in ET.fromstring(xml.content).iter("item")}
    # the unpublished variant is left out
    assert set(items) == {"SHOE-40", "SHOE-41"}
    assert items["SHOE-40"].find(f"{G}availability").text == "in_stock"
    assert items["SHOE-40"].find(f"{G}price").text == "50000 CLP"
    # the listing's own price and description, and no stock: out of stock
    assert items["SHOE-41"].find(f"{G}price").text == "45000 CLP"
    assert items["SHOE-41"].find(f"{G}description").text == "Edición web"
    assert items["SHOE-41"].find(f"{G}availability").text == "out_of_stock"
    assert items["SHOE-40"].find(f"{G}link").text.endswith("/products/zapatilla-test")

    rows = list(csv.DictReader(io.StringIO(client.get(web["csv"]).content.decode())))
    assert [(r["id"], r["availability"], r["price"]) for r in rows] == [
        ("SHOE-40", "in_stock", "50000 CLP"), ("SHOE-41", "out_of_stock", "45000 CLP")]

    # another channel's feed prices with that channel
    pos = list(csv.DictReader(io.StringIO(client.get(listed["pos"]["csv"]).content.decode())))
    assert {r["id"]: r["price"] for r in pos}["SHOE-41"] == "50000 CLP"


def test_a_feed_url_works_only_with_its_own_signature(shop, client):
    good = feeds.feed_path("web", "csv")
    assert client.get(good).status_code == 200
    assert client.get(good.replace("token=", "token=x")).status_code == 404
    assert client.get(good.split("?")[0]).status_code == 404
    # a signature of one channel or format does not open another
    token = good.split("token=")[1]
    assert client.get(f"/feeds/pos.csv?token={token}").status_code == 404
    assert client.get(f"/feeds/web.xml?token={token}").status_code == 404
    assert client.get(f"/feeds/nochannel.csv?token={feeds.signature('nochannel', 'csv')}").status_code == 404


def _review(sku: str, rating: int, status: str, n: int) -> None:
    from omnicanal.core import clock
    from omnicanal.feedback.models import Review

    Review.objects.create(customer_id=f"cus_{n}", order_id=f"ord_{n}", sku=sku, product_handle="zapatilla-test",
                          rating=rating, status=status, created_at=clock.now())


def test_the_feeds_carry_the_products_rating_from_published_reviews_only(shop, client):
    # given two published reviews of the product (5 and 4 stars), one held and one rejected
    _review("SHOE-40", 5, "published", 1)
    _review("SHOE-41", 4, "published", 2)
    _review("SHOE-40", 1, "pending", 3)
    _review("SHOE-41", 1, "rejected", 4)

    # then every variant of the product carries the product's average and count, in both formats
    xml = client.get(feeds.feed_path("web", "xml"))
    items = {i.find(f"{G}id").text: i for i in ET.fromstring(xml.content).iter("item")}
    assert items["SHOE-40"].find(f"{G}product_rating").text == "4.5"
    assert items["SHOE-41"].find(f"{G}product_review_count").text == "2"
    rows = list(csv.DictReader(io.StringIO(client.get(feeds.feed_path("web", "csv")).content.decode())))
    assert {(r["id"], r["product_rating"], r["product_review_count"]) for r in rows} == {
        ("SHOE-40", "4.5", "2"), ("SHOE-41", "4.5", "2")}


def test_a_product_without_published_reviews_has_no_rating_attribute(shop, client):
    _review("SHOE-40", 2, "pending", 1)
    xml = client.get(feeds.feed_path("web", "xml"))
    items = {i.find(f"{G}id").text: i for i in ET.fromstring(xml.content).iter("item")}
    assert items["SHOE-40"].find(f"{G}product_rating") is None
    assert items["SHOE-40"].find(f"{G}product_review_count") is None
    rows = list(csv.DictReader(io.StringIO(client.get(feeds.feed_path("web", "csv")).content.decode())))
    assert {r["product_rating"] for r in rows} == {""}

"""One active cart per customer across channels and devices; device carts merge on identify."""

import pytest

from omnicanal.orders.tests.helpers import place

pytestmark = pytest.mark.django_db


def test_one_cart_across_channels_with_prices_and_availability(api, customer_id):
    # given a cart started on the web
    r = api.post("/carts", {"channel": "web", "customer_id": customer_id})
    assert r.status_code == 201
    cart = r.json()
    api.put(f"/carts/{cart['id']}/lines", {"sku": "SHOE-41", "quantity": 2})
    # when the app opens the customer's cart
    again = api.post("/carts", {"channel": "app", "customer_id": customer_id}).json()
    # then it is the same cart, priced and with live availability
    assert again["id"] == cart["id"]
    seen = api.get(f"/customers/{customer_id}/cart").json()
    assert seen["id"] == cart["id"] and seen["lines"][0]["quantity"] == 2
    assert seen["lines"][0]["unit_price"]["amount"] == "50000" and seen["lines"][0]["available"] >= 2
    assert seen["totals"]["total"]["amount"] == "100000"
    # removing with 0, unknown SKU is 422
    assert api.put(f"/carts/{cart['id']}/lines", {"sku": "NOPE", "quantity": 1}).status_code == 422
    assert api.put(f"/carts/{cart['id']}/lines", {"sku": "SHOE-41", "quantity": 0}).json()["lines"] == []


def test_an_anonymous_device_cart_merges_without_duplicates(api, customer_id):
    mine = api.post("/carts", {"channel": "web", "customer_id": customer_id}).json()
    api.put(f"/carts/{mine['id']}/lines", {"sku": "SHOE-41", "quantity": 1})
    device = api.post("/carts", {"channel": "app", "device_id": "phone-1"}).json()
    api.put(f"/carts/{device['id']}/lines", {"sku": "SHOE-41", "quantity": 1})
    api.put(f"/carts/{device['id']}/lines", {"sku": "SOCK-1", "quantity": 3})
    merged = api.post(f"/carts/{device['id']}/customer", {"customer_id": customer_id}).json()
    assert merged["id"] == mine["id"]
    assert sorted((line["sku"], line["quantity"]) for line in merged["lines"]) == [("SHOE-41", 1), ("SOCK-1", 3)]


def test_checkout_holds_stock_briefly_and_the_order_takes_the_cart(api, customer_id):
    cart = api.post("/carts", {"channel": "web", "customer_id": customer_id}).json()
    api.put(f"/carts/{cart['id']}/lines", {"sku": "SHOE-42", "quantity": 2})
    held = api.post(f"/carts/{cart['id']}/checkout")
    assert held.status_code == 200 and held.json()["hold"]["expires_at"]
    # the hold keeps the last pairs from others
    assert place(api, lines=[("SHOE-42", 1)], customer_id=customer_id).status_code == 409
    r = api.post("/orders", {"channel": "web", "cart_id": cart["id"],
                             "delivery": {"method": "pickup", "location": "VAP"}})
    assert r.status_code == 201, r.json()
    assert r.json()["customer_id"] == customer_id
    assert api.get(f"/customers/{customer_id}/cart").status_code == 404


def test_carts_left_a_day_are_marked_abandoned_once(api, customer_id):
    import datetime as dt

    from django.db import transaction

    from omnicanal.core import clock
    from omnicanal.core.models import OutboxEvent
    from omnicanal.orders import services

    cart = api.post("/carts", {"channel": "web", "customer_id": customer_id}).json()
    api.put(f"/carts/{cart['id']}/lines", {"sku": "SOCK-1", "quantity": 1})
    with clock.frozen(clock.now() + dt.timedelta(hours=25)), transaction.atomic():
        assert services.do_mark_abandoned() == 1
        assert services.do_mark_abandoned() == 0
    assert OutboxEvent.objects.filter(topic="orders.CartAbandoned").count() == 1
    assert api.get(f"/customers/{customer_id}/cart").json()["status"] == "abandoned"
    # coming back on any channel revives the same cart
    assert api.post("/carts", {"channel": "app", "customer_id": customer_id}).json()["id"] == cart["id"]
    assert api.get(f"/customers/{customer_id}/cart").json()["status"] == "active"

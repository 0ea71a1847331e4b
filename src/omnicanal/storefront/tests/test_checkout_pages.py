"""The checkout page: every delivery method the order book takes, only what the cart can be promised
for, field errors next to the fields (never a 500), and Webpay's page for a card payment."""

import pytest
from django.db import transaction

from omnicanal.orders import webpay
from omnicanal.orders.models import Order
from omnicanal.storefront.tests.test_account_pages import _sign_in


@pytest.fixture
def shopper(client, ana, inboxes):
    """Ana signed in on the web with SHOE-40 and SOCK-1 in her cart (SCL has both, WH ships both)."""
    _sign_in(client)
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "1"})
    client.post("/cart/lines/", {"sku": "SOCK-1", "quantity": "1"})
    return client


def _order():
    return Order.objects.prefetch_related("fulfillments").get()


def test_checkout_offers_every_method_the_cart_can_be_promised_for(shopper):
    page = shopper.get("/checkout/").content.decode()

    for method in ("ship", "pickup", "curbside", "pickup_point"):
        assert f'data-testid="method-{method}"' in page, method
    assert 'data-testid="pickup-SCL"' in page and 'data-testid="pickup-VAP"' in page  # VAP: ship-to-store
    assert 'data-testid="curbside-SCL"' in page and 'data-testid="curbside-VAP"' not in page  # no curbside at VAP
    assert 'data-testid="pickup_point-LOCK"' in page
    assert 'value="WH"' not in page and 'value="DS"' not in page  # no counter there


def test_a_cart_nobody_can_promise_offers_no_method(client, ana, inboxes):
    _sign_in(client)
    client.post("/cart/lines/", {"sku": "SHOE-41", "quantity": "11"})  # WH has 10, nobody else any

    page = client.get("/checkout/").content.decode()

    assert 'name="method"' not in page and 'href="/cart/"' in page
    assert client.post("/checkout/", {"method": "ship", "line1": "Calle 1", "city": "Santiago"}).status_code == 422
    assert not Order.objects.exists()


def test_pickup_at_a_store_holding_the_cart_places_the_order_and_goes_to_its_tracking_page(shopper, ana):
    from omnicanal.orders import queries as orders_queries

    placed = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL"})

    order = _order()
    assert placed.status_code == 302
    assert placed["Location"] in orders_queries.tracking_url(order.public_id)
    assert order.customer_id == ana and order.channel == "web"
    assert order.delivery_method == "pickup" and order.delivery_location == "SCL"
    assert shopper.get(placed["Location"]).status_code == 200
    assert shopper.get("/checkout/")["Location"] == "/cart/"  # the cart became the order


def test_pickup_at_a_store_without_the_stock_is_a_ship_to_store_order(shopper):
    placed = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "VAP"})

    assert placed.status_code == 302
    order = _order()
    (fulfilment,) = order.fulfillments.all()
    assert order.delivery_location == "VAP"
    assert fulfilment.method == "ship_to_store" and fulfilment.location != "VAP" and fulfilment.handover_location == "VAP"


def test_curbside_at_a_curbside_store(shopper):
    assert shopper.post("/checkout/", {"method": "curbside", "location_curbside": "SCL"}).status_code == 302

    order = _order()
    assert order.delivery_method == "curbside" and order.delivery_location == "SCL"
    assert [f.method for f in order.fulfillments.all()] == ["curbside"]


def test_curbside_at_a_store_without_it_is_an_error_next_to_the_field(shopper):
    response = shopper.post("/checkout/", {"method": "curbside", "location_curbside": "VAP"})

    assert response.status_code == 422
    assert b'data-testid="error-location"' in response.content and b'aria-describedby="location-curbside-error"' in response.content
    assert not Order.objects.exists()


def test_pickup_point(shopper):
    assert shopper.post("/checkout/", {"method": "pickup_point", "location_pickup_point": "LOCK"}).status_code == 302

    order = _order()
    assert order.delivery_method == "pickup_point" and order.delivery_location == "LOCK"


def test_ship_prefills_the_saved_address_and_ships_to_the_one_posted(shopper, ana):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_identify(channel="web", identities=[{"kind": "phone", "value": "+56987654321"}],
                              traits={"address": {"line1": "Av. Providencia 1234", "city": "Santiago",
                                                  "region": "RM", "country": "CL"}})
    page = shopper.get("/checkout/?method=ship").content.decode()
    assert 'value="Av. Providencia 1234"' in page and 'value="Santiago"' in page

    placed = shopper.post("/checkout/", {"method": "ship", "line1": "Calle 1 #2", "city": "Santiago", "region": "RM",
                                         "country": "cl"})

    assert placed.status_code == 302
    order = _order()
    assert order.delivery_method == "ship"
    assert order.address["line1"] == "Calle 1 #2" and order.address["country"] == "CL"


def test_ship_without_a_street_or_city_says_so_next_to_each_field(shopper):
    response = shopper.post("/checkout/", {"method": "ship", "line1": "", "city": ""})

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-line1"' in page and 'data-testid="error-city"' in page
    assert 'id="address-city" name="city" value="" autocomplete="address-level2" aria-invalid="true"' in page
    assert not Order.objects.exists()


def test_an_unknown_method_or_a_bad_coupon_is_a_field_error_not_a_500(shopper):
    assert shopper.post("/checkout/", {"method": "drone"}).status_code == 422

    response = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL", "coupon": "NOPE"})

    assert response.status_code == 422 and b'data-testid="error-coupon"' in response.content
    assert not Order.objects.exists()


def test_stock_gone_after_the_page_showed_it_is_a_message_not_a_500(shopper):
    from omnicanal.inventory import queries as inventory_queries
    from omnicanal.inventory import services as inventory

    shopper.get("/checkout/")
    free = [(p.code, p.available) for p in inventory_queries.availability(sku="SHOE-40", channel="web").locations]
    with transaction.atomic():  # someone else takes every unit meanwhile
        inventory.do_reserve(reference="other", channel="web", expires_in=None,
                             lines=[inventory.ReserveLine("SHOE-40", n, location=code) for code, n in free if n])

    response = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL"})

    assert response.status_code == 422 and not Order.objects.exists()


def test_a_webpay_card_payment_sends_the_shopper_to_webpay_and_back_to_the_tracking_page(shopper, settings):
    from omnicanal.orders import queries as orders_queries

    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {"BASE_URL": "sandbox"}}

    placed = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL"})

    order = _order()
    payment = order.payments.get()
    assert payment.status == "pending" and payment.provider == "webpay"
    assert placed.status_code == 302 and placed["Location"].startswith("/payments/webpay/pay/")
    payment_id, next_path = webpay.read_pay_link(placed["Location"].split("/")[-2])
    assert payment_id == payment.public_id and next_path in orders_queries.tracking_url(order.public_id)
    assert shopper.get(placed["Location"]).status_code == 200  # Webpay's confirm page


def test_the_page_speaks_the_shoppers_language(shopper):
    page = shopper.get("/checkout/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "¿Cómo lo quieres recibir?" in page and "Despacho a domicilio" in page and "Retiro en auto" in page


def test_a_coupon_takes_its_discount_and_an_inactive_one_is_an_error_next_to_the_field(shopper):
    from omnicanal.core.auth import SYSTEM
    from omnicanal.loyalty.services import coupons

    with transaction.atomic():
        coupons.do_create_coupon(code="VUELVE", terms=coupons.Terms(kind="amount", value=2000))
        off = coupons.do_create_coupon(code="APAGADO", terms=coupons.Terms(kind="amount", value=2000))
        coupons.do_set_coupon_active(coupon_id=off.public_id, active=False, actor=SYSTEM)

    refused = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL", "coupon": "APAGADO"})
    assert refused.status_code == 422 and b'data-testid="error-coupon"' in refused.content
    assert b'value="APAGADO"' in refused.content  # kept for correcting

    placed = shopper.post("/checkout/", {"method": "pickup", "location_pickup": "SCL", "coupon": "vuelve"})

    assert placed.status_code == 302
    order = _order()
    assert order.coupon == "VUELVE" and order.discount == 2000

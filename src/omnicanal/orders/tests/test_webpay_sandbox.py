"""The demo's Webpay sandbox: the same client code, an in-process stand-in with a hosted page whose
buttons send the shopper back as Webpay does; served only while BASE_URL is "sandbox"."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from omnicanal.orders import webpay
from omnicanal.orders.models import Order, Payment
from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import amount, place

NEXT = "/account/orders/mine"


@pytest.fixture
def sandbox(settings):
    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay",
                          "WEBPAY": {"BASE_URL": "sandbox", "RETURN_URL": ""}}


def _pay_on_sandbox(api, client, customer_id, choice):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    pay_id = order["payments"][0]["id"]
    # the shop's pay link opens the transaction and sends the browser to the sandbox's page
    page = client.post(webpay.pay_link(pay_id, NEXT)).content.decode()
    assert 'action="/payments/sandbox/webpay/pay"' in page
    token = re.search(r'name="token_ws" value="([0-9a-f]{64})"', page).group(1)
    hosted = client.post("/payments/sandbox/webpay/pay", {"token_ws": token})
    assert hosted.status_code == 200
    assert str(amount(order["totals"]["total"])) in hosted.content.decode()
    # the shopper presses a button; the sandbox sends them back to our return URL, like Webpay
    back = client.post("/payments/sandbox/webpay/decide", {"token_ws": token, "choice": choice})
    assert back.status_code == 302
    target = urlsplit(back["Location"])
    assert target.path == webpay.RETURN_PATH
    return order, pay_id, client.get(back["Location"])


@pytest.mark.django_db
def test_the_sandbox_approves_and_the_order_is_paid(api, client, customer_id, sandbox):
    order, pay_id, landed = _pay_on_sandbox(api, client, customer_id, "approve")
    assert landed["Location"] == f"{NEXT}?payment=approved"
    assert Order.objects.get(public_id=order["id"]).status == "paid"
    # and a refund goes back through the sandbox's refunds call
    assert api.post(f"/orders/{order['id']}/cancel", {"reason": "test"}).status_code == 200
    assert Payment.objects.get(public_id=pay_id).refunded == amount(order["totals"]["total"])


@pytest.mark.django_db
def test_the_sandbox_rejects_and_cancels_and_the_stock_is_released(api, client, customer_id, sandbox):
    rejected, _, landed = _pay_on_sandbox(api, client, customer_id, "reject")
    assert landed["Location"] == f"{NEXT}?payment=rejected"
    cancelled, _, landed = _pay_on_sandbox(api, client, customer_id, "cancel")
    assert landed["Location"] == f"{NEXT}?payment=cancelled"
    assert {Order.objects.get(public_id=o["id"]).status for o in (rejected, cancelled)} == {"cancelled"}
    assert stock("WH", "SHOE-41")["reserved"] == 0


@pytest.mark.django_db
def test_the_sandbox_refuses_wrong_keys_and_an_early_commit(db, sandbox):
    client = webpay.Client()
    created = client.create(buy_order="A1", session_id="S1", amount=Decimal(1000),
                            return_url="/payments/webpay/return")
    assert set(created) == {"token", "url"} and len(created["token"]) == 64
    assert client.status(created["token"])["status"] == "INITIALIZED"
    with pytest.raises(webpay.WebpayRefused):
        client.commit(created["token"])  # the shopper has not finished Webpay's form
    wrong = webpay.Client(webpay.Config(base_url="sandbox", commerce_code="597055555532", api_key="wrong",
                                        return_url="", timeout=1, abandon_minutes=30))
    with pytest.raises(webpay.WebpayRefused) as refused:
        wrong.status(created["token"])
    assert refused.value.status == 401


@pytest.mark.django_db
def test_the_sandbox_pages_exist_only_in_sandbox_mode(client, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {"BASE_URL": "https://webpay3gint.transbank.cl"}}
    assert client.post("/payments/sandbox/webpay/pay", {"token_ws": "a" * 64}).status_code == 404
    assert client.post("/payments/sandbox/webpay/decide", {"token_ws": "a" * 64, "choice": "approve"}).status_code == 404


@pytest.mark.django_db
def test_production_never_takes_the_sandbox_s_word(api, client, customer_id, sandbox, settings):
    settings.PRODUCTION = True
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    pay_id = order["payments"][0]["id"]
    answer = client.post(webpay.pay_link(pay_id, NEXT))
    assert answer.status_code == 503
    assert Payment.objects.get(public_id=pay_id).status == "pending"
    assert client.post("/payments/sandbox/webpay/pay", {"token_ws": "a" * 64}).status_code == 404

"""In the browser (Debian chromium): the shopper pays through Webpay on another origin (the loopback
server's hosted form: our CSP must let the token_ws form leave for it, and Webpay's POST back must
pass), and cancels on the demo's sandbox page with its buttons."""

import pytest

from omnicanal.orders import services, webpay
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world, stock
from omnicanal.orders.tests.helpers import ADDRESS, in_tx
from omnicanal.orders.tests.webpay_loopback import API_KEY, COMMERCE_CODE, FakeWebpay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _web_order():
    make_world()
    order = in_tx(services.do_place_order, channel="web", customer_id=make_customer(),
                  lines=[services.LineIn("SHOE-41", 1)], delivery={"method": "ship", "address": ADDRESS})
    return order, order.payments.get().public_id


def test_the_shopper_pays_on_webpay_s_page_on_another_origin(page, live_server, settings):
    fake = FakeWebpay().start()
    try:
        settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {
            "BASE_URL": fake.url, "COMMERCE_CODE": COMMERCE_CODE, "API_KEY": API_KEY,
            "RETURN_URL": live_server.url, "TIMEOUT_SECONDS": 5}}
        order, pay_id = _web_order()
        page.goto(live_server.url + webpay.pay_link(pay_id, "/"))
        page.click("[data-testid=webpay-pay]")
        # our page submits token_ws to Webpay's origin by itself (static JS; the CSP allows that host)
        page.wait_for_selector("[data-testid=webpay-form-pay]")
        assert page.url.startswith(fake.url)
        fake.decide(next(iter(fake.transactions)), "approve")
        page.click("[data-testid=webpay-form-pay]")
        page.wait_for_url("**/?payment=approved")
        assert Order.objects.get(pk=order.pk).status == "paid"
        assert len(fake.calls_to("PUT")) == 1
    finally:
        fake.stop()


def test_the_shopper_cancels_on_the_sandbox_page(page, live_server, settings):
    from django.core.cache import cache

    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {"BASE_URL": "sandbox"}}
    order, pay_id = _web_order()
    assert stock("WH", "SHOE-41")["reserved"] == 1
    page.goto(live_server.url + webpay.pay_link(pay_id, "/"))
    page.click("[data-testid=webpay-pay]")
    page.wait_for_selector("[data-testid=webpay-sandbox]")
    page.click("button[value=cancel]")
    page.wait_for_url("**/?payment=cancelled")
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert stock("WH", "SHOE-41")["reserved"] == 0

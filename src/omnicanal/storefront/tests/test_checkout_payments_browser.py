"""In the browser, on a phone: part of the order paid with points and the rest by card on Webpay's
sandbox (approved: both captured; cancelled on Webpay's page: the order is cancelled, the points
come back and the stock is free again). The checkout page with the payment choices has no serious
accessibility violation and fits the screen."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import program
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world, stock
from omnicanal.storefront import queries, services
from omnicanal.storefront.auth import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ana_with_points_and_a_shoe(phone, live_server, settings) -> str:
    """Ana (10.000 points) signed in on the phone with a 50.000 shoe in her cart; cards go to Webpay's sandbox."""
    from django.core.cache import cache

    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {"BASE_URL": "sandbox"}}
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
        started = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM)
        services.do_set_cart_line(shopper=queries.shopper_for_token(started.token), sku="SHOE-40", quantity=1)
    phone.context.add_cookies([{"name": COOKIE, "value": started.token, "url": live_server.url}])
    return customer_id


def _points(customer_id) -> int:
    with transaction.atomic():
        return loyalty.spendable(customer_id).points


def _pay_part_with_points(phone, live_server, axe) -> None:
    phone.goto(f"{live_server.url}/checkout/")
    phone.check("[data-testid=method-pickup]")
    phone.check("[data-testid=pickup-SCL]")
    assert "10000 puntos" in phone.locator("[data-testid=payments]").inner_text()
    phone.check("[data-testid=use-points]")
    phone.fill("#points_amount", "8.000")
    phone.locator("details.gift-card summary").click()  # the gift card fields open too
    assert axe(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.click("[data-testid=place-order]")
    # off to Webpay's sandbox for the 42.000 left
    phone.wait_for_selector("[data-testid=webpay-pay]")
    assert "42.000" in phone.content()
    phone.click("[data-testid=webpay-pay]")
    phone.wait_for_selector("[data-testid=webpay-sandbox]")


def test_points_and_a_card_on_webpay_pay_the_order(phone, live_server, settings, axe):
    customer_id = _ana_with_points_and_a_shoe(phone, live_server, settings)

    _pay_part_with_points(phone, live_server, axe)
    phone.click("button[value=approve]")
    phone.wait_for_url("**/track/**")

    order = Order.objects.get()
    assert order.status == "paid" and order.customer_id == customer_id
    assert sorted((p.method, int(p.amount), p.status) for p in order.payments.all()) == [
        ("card", 42000, "captured"), ("points", 8000, "captured")]
    assert _points(customer_id) >= 2000  # 10.000 − 8.000 spent (plus what the order earns, after the commit)


def test_a_payment_cancelled_on_webpay_gives_the_points_back_and_frees_the_stock(phone, live_server, settings, axe):
    customer_id = _ana_with_points_and_a_shoe(phone, live_server, settings)

    _pay_part_with_points(phone, live_server, axe)
    assert _points(customer_id) == 2000 and stock("SCL", "SHOE-40")["reserved"] == 1  # held while paying
    phone.click("button[value=cancel]")
    phone.wait_for_url("**/track/**")

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert {p.method: p.status for p in order.payments.all()} == {"card": "failed", "points": "voided"}
    assert _points(customer_id) == 10000
    assert stock("SCL", "SHOE-40")["reserved"] == 0

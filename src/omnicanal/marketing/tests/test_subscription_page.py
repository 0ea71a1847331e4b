"""The shop's "your subscriptions" page: the next order, its estimate, and skip / pause / resume /
cancel buttons that act on the customer's own subscription only; a phone shows it without sideways
scrolling and with no serious axe-core violation."""

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.core.auth import SYSTEM
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import make_shop
from omnicanal.marketing.tests.test_subscriptions import subscribe
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)

PAGE = "/account/subscriptions/"


def token_for(customer_id):
    with transaction.atomic():
        return services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token


def browser_for(customer_id):
    browser = Client()
    browser.cookies[COOKIE] = token_for(customer_id)
    return browser


def test_the_account_page_skips_and_pauses_her_own_subscription(ana, bea):
    sub = subscribe(ana)
    first = Subscription.objects.get(public_id=sub).next_date
    browser = browser_for(ana)
    page = browser.get(PAGE).content.decode()
    assert "4 × Gel Maratón" in page and "Saltar el próximo pedido" in page and "$8.000" in page
    answer = browser.post(PAGE, {"subscription_id": sub, "action": "skip"})
    assert answer.status_code == 302
    assert Subscription.objects.get(public_id=sub).next_date > first
    assert "el próximo pedido se salta" in browser.get(answer["Location"]).content.decode().lower()
    browser.post(PAGE, {"subscription_id": sub, "action": "pause"})
    assert Subscription.objects.get(public_id=sub).state == "paused"
    # another customer's button does nothing to it
    assert browser_for(bea).post(PAGE, {"subscription_id": sub, "action": "cancel"}).status_code == 409
    assert Subscription.objects.get(public_id=sub).state == "paused"


def test_the_page_asks_a_stranger_to_sign_in(shop):
    answer = Client().get(PAGE)
    assert answer.status_code == 302 and "next=" in answer["Location"]


@pytest.mark.browser
def test_a_phone_shows_and_pauses_a_subscription(phone, live_server, transactional_db, axe):  # noqa: F811
    make_shop()
    ana = make_customer()
    sub = subscribe(ana)
    phone.context.add_cookies([{"name": COOKIE, "value": token_for(ana), "url": live_server.url}])
    phone.goto(f"{live_server.url}{PAGE}")
    section = phone.locator(f"[data-subscription='{sub}']")
    assert "Gel Maratón" in section.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(phone) == []
    section.locator("button[value=pause]").click()
    phone.wait_for_selector(".notice")
    assert Subscription.objects.get(public_id=sub).state == "paused"
    assert axe(phone) == []

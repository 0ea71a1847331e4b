"""The shop in a browser, on a phone and on a desktop: the account page saves a card through
Transbank's form (the sandbox's), the card shows as brand and last four digits, and the product
page subscribes paying with it; no serious axe-core violation on the way, no sideways scroll."""

import pytest
from django.core.cache import cache

from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import make_shop
from omnicanal.marketing.tests.test_subscription_page import PAGE, token_for
from omnicanal.orders import queries as order_queries
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)

GEL_PAGE = "/p/gel-maraton/"


def save_a_card_and_subscribe_with_it(browser, live_server, axe, settings):
    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {"BASE_URL": "sandbox", "RETURN_URL": ""}, "ONECLICK": {}}
    make_shop()
    ana = make_customer()
    browser.context.add_cookies([{"name": COOKIE, "value": token_for(ana), "url": live_server.url}])
    browser.goto(f"{live_server.url}{PAGE}")
    assert axe(browser) == []
    # "Save a card": off to Transbank's form (the sandbox's), which takes the number
    browser.locator("button[value=save_card]").click()
    browser.wait_for_selector("[data-testid=oneclick-sandbox]")
    assert axe(browser) == []
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser.locator("button[value=save]").click()
    # back in the account: saved, shown as brand and last four digits only
    browser.wait_for_selector(".notice")
    cards = browser.locator("#cards-title + p + ul.cards")
    assert "Visa •••• 6623" in cards.inner_text() and "4051885600446623" not in browser.content()
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(browser) == []
    [card] = order_queries.stored_cards(ana)
    # the product page's subscribe form pays with it
    browser.goto(f"{live_server.url}{GEL_PAGE}")
    browser.select_option("#sub-pay", f"card:{card.id}")
    assert axe(browser) == []
    browser.locator("section.subscribe button[type=submit]").click()
    browser.wait_for_selector(".notice")
    sub = Subscription.objects.get(customer_id=ana)
    assert (sub.payment_source, sub.card_id) == ("card", card.id)
    assert "pagado con tu tarjeta guardada" in browser.locator(f"[data-subscription='{sub.public_id}']").inner_text()
    assert axe(browser) == []


@pytest.mark.browser
def test_a_phone_saves_a_card_and_subscribes_with_it(phone, live_server, transactional_db, axe, settings):  # noqa: F811
    save_a_card_and_subscribe_with_it(phone, live_server, axe, settings)


@pytest.mark.browser
def test_a_desktop_saves_a_card_and_subscribes_with_it(page, live_server, transactional_db, axe, settings):
    save_a_card_and_subscribe_with_it(page, live_server, axe, settings)

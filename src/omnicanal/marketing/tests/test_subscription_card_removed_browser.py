"""In a browser: a phone's account page says a subscription paused because its card was removed and
resumes it with the balance chosen beside "Resume"; the console's subscriptions list and the
customer 360 say how each subscription pays, on a phone and a desktop. No serious axe-core
violation, no sideways scroll."""

import pytest
from django.db import transaction

from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import make_shop
from omnicanal.marketing.tests.test_subscription_card import save_card_in_the_shop, subscribe_with_card
from omnicanal.marketing.tests.test_subscription_page import PAGE, token_for
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)


@pytest.fixture
def sandboxed(settings):
    from django.core.cache import cache

    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {"BASE_URL": "sandbox", "RETURN_URL": ""}, "ONECLICK": {}}


def paid_by_card(*, remove: bool):
    from omnicanal.orders import services as orders

    make_shop()
    ana = make_customer()
    card = save_card_in_the_shop(ana)
    sub = subscribe_with_card(ana, card)
    if remove:
        with transaction.atomic():  # committed: orders' event reaches marketing's handler after it
            orders.do_remove_card(customer_id=ana, card_id=card)
    return ana, sub


@pytest.mark.browser
def test_a_phone_resumes_with_the_balance_a_subscription_whose_card_was_removed(
        phone, live_server, transactional_db, axe, sandboxed):  # noqa: F811
    ana, sub = paid_by_card(remove=True)
    assert Subscription.objects.get(public_id=sub).pause_reason == "card_removed"
    phone.context.add_cookies([{"name": COOKIE, "value": token_for(ana), "url": live_server.url}])
    phone.goto(f"{live_server.url}{PAGE}")
    section = phone.locator(f"[data-subscription='{sub}']")
    assert "Se eliminó su tarjeta" in section.inner_text() and "ya no está guardada" in section.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(phone) == []
    section.locator(f"#{sub}-resume-pay").select_option("stored_value")
    section.locator("button[value=resume]").click()
    phone.wait_for_selector(".notice")
    row = Subscription.objects.get(public_id=sub)
    assert (row.state, row.payment_source) == ("active", "stored_value")
    assert axe(phone) == []


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_the_console_says_how_each_subscription_pays(staff, console_login, live_server, axe, viewport, sandboxed):
    ana, sub = paid_by_card(remove=False)
    page = console_login(staff("marketer", username="mkt"))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/console/marketing/subscriptions/")
    assert "Tarjeta Visa •••• 6623" in page.locator(f"[data-subscription='{sub}']").inner_text()
    assert axe(page) == []
    page.goto(f"{live_server.url}/console/customers/{ana}/")
    assert "Tarjeta Visa •••• 6623" in page.locator("[data-testid=subscriptions-360]").inner_text()
    assert axe(page) == []

"""Accessibility of the shopper's pages: axe-core (vendored, tests only) finds no serious or
critical violation on sign-in, the code form, the cart, checkout and the account, phone and desktop."""

import pytest
from django.db import transaction

from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront.tests.conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_the_shoppers_pages_have_no_serious_accessibility_violations(page, live_server, axe, viewport):
    from omnicanal.channels.services import do_create_inbox

    make_world()
    make_customer()
    with transaction.atomic():
        do_create_inbox(channel="email", name="email", config={"sandbox": True})
    page.set_viewport_size(viewport)
    found = {}

    page.goto(f"{live_server.url}/account/sign-in/")
    found["sign-in"] = axe(page)
    page.fill("#address", "ana@example.cl")
    page.click(".stack button[type=submit]")
    page.wait_for_selector("#code")
    found["code"] = axe(page)
    page.fill("#code", last_code())
    page.click("form[action='/account/sign-in/verify/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/")
    found["account"] = axe(page)

    page.goto(f"{live_server.url}/cart/")
    found["empty cart"] = axe(page)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    page.request.post(f"{live_server.url}/cart/lines/", form={"sku": "SHOE-40", "quantity": "1",
                                                               "csrfmiddlewaretoken": csrf})
    page.goto(f"{live_server.url}/cart/")
    found["cart"] = axe(page)
    page.goto(f"{live_server.url}/checkout/")
    found["checkout"] = axe(page)

    assert {name: violations for name, violations in found.items() if violations} == {}

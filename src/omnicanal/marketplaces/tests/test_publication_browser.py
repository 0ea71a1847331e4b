"""The publication page of a product in the browser, on a phone (390×844) and on a desktop: it fits
the screen, has no serious accessibility violation, and publishing and pausing work from it."""

import pytest

from omnicanal.marketplaces.models import MarketplaceListing
from omnicanal.marketplaces.tests.conftest import connect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_publication_page_publishes_and_pauses_and_is_accessible(viewport, sandbox, staff, console_login,
                                                                       live_server, axe, settings):
    from omnicanal.orders.tests.conftest import make_world

    make_world()
    account = connect(sandbox)
    page = console_login(staff("admin", username="vendedora"))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/console/marketplaces/accounts/")
    page.fill("input[name=ref]", "SOCK-1")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_selector("[data-testid=publish-form]")
    assert _fits(page) and axe(page) == []
    page.fill("input[name=category_id]", "MLC1276")
    page.click("[data-testid=publish]")
    page.wait_for_selector(".msg.success")
    # the worker's call runs after the request's commit (huey immediate in tests): the item exists
    listing = MarketplaceListing.objects.get(account=account, sku="SOCK-1")
    assert listing.item_id and sandbox.created_items
    page.reload()
    assert page.locator("[data-sku='SOCK-1']").inner_text().count(listing.item_id) == 1
    assert _fits(page) and axe(page) == []
    page.click("[data-testid=pause]")
    page.wait_for_selector("[data-testid=resume]")
    assert sandbox.items[listing.item_id]["status"] == "paused"
    assert axe(page) == []

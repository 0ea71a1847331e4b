"""Inventory's floor pages on a phone (390×844): the stock lookup and receiving a transfer fit the
screen (no sideways scroll of the page; the grid scrolls inside its card), the receive button is a
44 px target, and the navigation is reachable through the menu."""

import pytest
from django.db import transaction

from omnicanal.inventory import queries
from omnicanal.inventory import services as inventory
from omnicanal.inventory.tests.conftest import make_catalog, make_locations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_stock_lookup_and_receiving_a_transfer_on_a_phone(staff, console_login, live_server, axe):
    with transaction.atomic():
        make_catalog()
        locations = make_locations()
        inventory.do_receive_stock(location=locations["WH"], lines=[("SHOE-41", 10), ("SHOE-40", 4)])
        transfer = inventory.do_request_transfer(origin="WH", destination="SCL", lines=[("SHOE-41", 2)],
                                                 reference="phone-test")
        inventory.do_ship_transfer(transfer_id=transfer.id)
    page = console_login(staff("manager", username="boss"))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/console/inventory/?sku=SHOE")
    assert page.locator("[data-testid=stock-grid]").is_visible()
    assert _fits(page)
    assert axe(page) == []
    page.goto(f"{live_server.url}/console/inventory/transfers/")
    assert _fits(page)
    receive = page.locator("[data-testid=transfers] button.primary").first
    assert receive.bounding_box()["height"] >= 44
    assert axe(page) == []
    page.click("[data-testid=menu] > summary")
    assert page.locator("[data-testid=menu] a[href='/console/inventory/']").is_visible()
    receive.click()
    page.wait_for_selector(".msg.success")
    assert queries.stock_level(location="SCL", sku="SHOE-41")["on_hand"] == 2

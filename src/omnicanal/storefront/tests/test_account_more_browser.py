"""In the browser, on a phone: a delivered web order returned through the shop's account at a store,
received at that store's returns desk in the console with a refund as store credit, and the credit
on the account's rewards page. No serious accessibility violation on either account page."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.orders import queries as orders_queries
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.test_account_more import delivered_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _sign_in(phone, live_server, customer_id):
    """The phone's shop session, signed in as the customer (as a verified code does)."""
    with transaction.atomic():
        token = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    phone.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_delivered_web_order_returned_in_a_store_becomes_store_credit_on_the_account(
        phone, live_server, staff, console_login, axe):
    make_world()
    customer_id = make_customer()
    order = delivered_order(customer_id)  # one SHOE-41, 50.000, shipped from the warehouse
    _sign_in(phone, live_server, customer_id)

    # the customer opens the order from their account and asks to return it at the Santiago store
    phone.goto(f"{live_server.url}/account/")
    phone.click(f"a[href='/account/orders/{order.public_id}/']")
    phone.wait_for_selector("[data-testid=return-form]")
    assert axe(phone) == [] and _fits(phone)
    phone.select_option("#qty-SHOE-41", "1")
    phone.select_option("#reason-SHOE-41", "size")
    phone.check("input[name=method][value=store]")
    phone.select_option("#return-store", "SCL")
    phone.check("input[name=refund_to][value=store_credit]")
    phone.click("[data-testid=return-submit]")
    phone.wait_for_selector(".msg.success")
    [ret] = orders_queries.get_order(order.public_id).returns.all()
    assert (ret.by_mail, ret.location, ret.status, ret.refund_to) == (False, "SCL", "requested", "store_credit")
    assert phone.locator(f"[data-return='{ret.public_id}']").is_visible()
    assert axe(phone) == []

    # the clerk at the store's returns desk finds the order and receives the shoe
    desk = console_login(staff("store_staff", ["SCL"], username="clerk"))
    desk.goto(f"{live_server.url}/console/orders/returns/?location=SCL")
    desk.fill("[data-testid=return-order]", order.number)
    desk.locator("[data-testid=return-order]").press("Enter")
    desk.click(f"[data-testid=receive-{ret.public_id}]")
    desk.wait_for_selector(".msg.success, .messages .success, [role=status]")
    ret.refresh_from_db()
    assert ret.status == "received" and ret.received_location == "SCL"

    # the account's rewards page shows the store credit
    phone.goto(f"{live_server.url}/account/loyalty/")
    assert phone.locator("[data-testid=store-credit]").inner_text().replace("\xa0", " ") == "$50.000"
    phone.wait_for_function("() => { const img = document.querySelector('[data-testid=loyalty-qr]');"
                            " return img.complete && img.naturalWidth > 0; }")  # the signed QR card loaded
    assert axe(phone) == [] and _fits(phone)
    phone.goto(f"{live_server.url}/account/orders/{order.public_id}/")
    assert phone.locator(f"[data-return='{ret.public_id}'] .status-received").is_visible()

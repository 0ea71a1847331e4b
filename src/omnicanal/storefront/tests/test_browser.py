"""In the browser, on a phone: an anonymous cart, sign-in with the code read from the outbound log
(the sandboxed inbox), the cart kept and editable, checkout for pickup at a store with the stock,
the order in the account, signing out everywhere."""

import pytest
from django.db import transaction

from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront.tests.conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _inboxes():
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        do_create_inbox(channel="email", name="email", config={"sandbox": True})


def test_a_shopper_on_a_phone_signs_in_with_a_code_and_keeps_their_cart(_chromium, live_server):
    make_world()
    customer_id = make_customer()
    _inboxes()
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/account/sign-in/")
        csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        added = page.request.post(f"{live_server.url}/cart/lines/", form={
            "sku": "SHOE-40", "quantity": "1", "csrfmiddlewaretoken": csrf}, max_redirects=0)
        assert added.status == 302
        page.goto(f"{live_server.url}/cart/")
        assert page.locator("[data-testid=cart-link] .cart-count").inner_text() == "1"

        page.click("[data-testid=sign-in-link]")
        page.fill("#address", "ana@example.cl")
        page.click("button[type=submit] >> text=Envíame un código")
        page.fill("#code", last_code("ana@example.cl"))
        page.click("form[action='/account/sign-in/verify/'] button[type=submit]")
        page.wait_for_url(f"{live_server.url}/account/")
        assert "Ana" in page.locator("h1").inner_text()
        assert page.locator("[data-testid=account-link]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.click("[data-testid=cart-link]")
        page.fill("#qty-1", "2")
        page.click(".cart-line-form button")
        page.wait_for_selector("[data-testid=cart-link] .cart-count >> text=2")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        from omnicanal.orders import queries as orders

        assert orders.active_cart(customer_id).lines.get().quantity == 2

        page.click("[data-testid=to-checkout]")
        page.check("[data-testid=method-pickup]")
        page.check("[data-testid=pickup-SCL]")
        page.click("[data-testid=place-order]")
        page.wait_for_url("**/track/**")  # the new order's tracking page
        page.goto(f"{live_server.url}/account/")
        from omnicanal.orders.models import Order

        order = Order.objects.get()
        assert order.delivery_location == "SCL" and order.customer_id == customer_id
        assert page.locator("[data-testid=orders]").inner_text().count(order.number) == 1
        assert page.locator("[data-testid=cart-link] .cart-count").count() == 0

        page.click("text=Cerrar sesión en todos los dispositivos")
        page.wait_for_selector("[data-testid=sign-in-link]")
    finally:
        context.close()

"""In the browser, across devices: an anonymous shopper fills a cart on a phone and signs in there by
SMS; on a desktop (another browser context) with a line of its own they sign in with an email code and
find the phone's cart merged into theirs; they check out for pickup at the store holding the stock and
pay on Webpay's sandbox; a clerk in the console (a third context) picks, packs and marks it ready; the
desktop's tracking page shows "ready" with the pickup code, and the pickup desk accepts that code.

A device's anonymous cart belongs to that device until it signs in (nothing else ties it to a
person), so the phone's cart reaches the desktop through the customer's one cart: the phone signs in
first, the desktop's sign-in then merges its own line into the same cart (one line per SKU, the
larger quantity)."""

import pytest
from django.db import transaction

from omnicanal.catalog.models import Variant
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront.tests.conftest import PHONE, last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
ANA_PHONE = "+56987654321"
ANA_EMAIL = "ana@example.cl"


def _sandboxed_inboxes() -> None:
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        for channel in ("email", "sms", "whatsapp"):
            do_create_inbox(channel=channel, name=channel, config={"sandbox": True})


def _add_to_cart(page, base: str, sku: str, quantity: int) -> None:
    """The product page's own form: choose the variant, the quantity, Add to cart."""
    handle = Variant.objects.select_related("product").get(sku=sku).product.handle
    page.goto(f"{base}/p/{handle}/?sku={sku}")
    page.fill("#add-quantity", str(quantity))
    page.locator("[data-testid=add-to-cart] button[type=submit]").click()
    page.wait_for_load_state()


def _sign_in(page, base: str, address: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.fill("#address", address)
    page.click("button[type=submit] >> text=Envíame un código")
    page.wait_for_selector("#code")
    page.fill("#code", last_code(address))
    page.click("form[action='/account/sign-in/verify/'] button[type=submit]")
    page.wait_for_url(f"{base}/account/")


def _cart(page, base: str) -> dict[str, int]:
    page.goto(f"{base}/cart/")
    return {line.get_attribute("data-sku"): int(line.locator(".cart-line-form input[name=quantity]").input_value())
            for line in page.locator("[data-testid=cart-lines] .cart-line").all()}


def _clerk_does(console, base: str, screen: str, fid: str, action: str) -> None:
    """A clerk presses the fulfilment's button on a console screen and waits for the page to come back."""
    console.goto(f"{base}/console/orders/{screen}/?location=SCL")
    console.locator(f"form[action$='/f/{fid}/{action}/'] button[type=submit]").click()
    console.wait_for_selector(".messages, .msg, [role=status]")


def test_a_cart_from_the_phone_is_checked_out_on_the_desktop_and_picked_up_at_the_store(
        _chromium, phone, live_server, settings, staff, console_login, axe):
    from django.core.cache import cache

    cache.clear()  # throttles and cached availability from earlier tests
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {"BASE_URL": "sandbox"}}
    make_world()
    customer_id = make_customer(phone=ANA_PHONE, email=ANA_EMAIL)
    _sandboxed_inboxes()
    base = live_server.url

    # the phone, anonymous: a pair of shoes and two pairs of socks, then signing in by SMS
    _add_to_cart(phone, base, "SHOE-40", 1)
    _add_to_cart(phone, base, "SOCK-1", 2)
    assert _cart(phone, base) == {"SHOE-40": 1, "SOCK-1": 2}
    assert phone.locator("[data-testid=sign-in-link]").is_visible()
    _sign_in(phone, base, ANA_PHONE)

    desktop_context = _chromium.new_context(locale="es-CL", viewport=DESKTOP)
    desktop = desktop_context.new_page()
    desktop.set_default_timeout(15000)
    try:
        # the desktop, anonymous, has one pair of socks of its own; it signs in with an email code
        _add_to_cart(desktop, base, "SOCK-1", 1)
        assert _cart(desktop, base) == {"SOCK-1": 1}
        _sign_in(desktop, base, ANA_EMAIL)
        assert "Ana" in desktop.locator("h1").inner_text()
        assert _cart(desktop, base) == {"SHOE-40": 1, "SOCK-1": 2}  # the phone's cart, merged
        assert desktop.locator("[data-testid=cart-link] .cart-count").inner_text() == "3"
        assert axe(desktop) == []

        # checkout for pickup at the Santiago store (it holds both), paid on Webpay's sandbox
        desktop.click("[data-testid=to-checkout]")
        desktop.check("[data-testid=method-pickup]")
        assert desktop.locator("[data-testid=pickup-SCL]").is_visible()  # the store with the stock is offered
        desktop.check("[data-testid=pickup-SCL]")
        desktop.click("[data-testid=place-order]")
        desktop.click("[data-testid=webpay-pay]")
        desktop.wait_for_selector("[data-testid=webpay-sandbox]")
        desktop.click("button[value=approve]")
        desktop.wait_for_url("**/track/**")
        tracking = desktop.url
        order = Order.objects.get()
        assert (order.customer_id, order.delivery_method, order.delivery_location, order.status) == (
            customer_id, "pickup", "SCL", "paid")
        assert sorted((line.sku, line.quantity) for line in order.lines.all()) == [("SHOE-40", 1), ("SOCK-1", 2)]
        fulfilment = order.fulfillments.get()
        assert fulfilment.location == "SCL"
        fid = fulfilment.public_id
        assert desktop.locator("[data-pickup-code]").count() == 0  # no code before it is ready

        # the store: a clerk in the console picks, packs and marks it ready
        console = console_login(staff("store_staff", ["SCL"], username="clerk"))
        _clerk_does(console, base, "queue", fid, "pick")
        _clerk_does(console, base, "queue", fid, "pack")
        _clerk_does(console, base, "queue", fid, "ready")
        fulfilment.refresh_from_db()
        assert fulfilment.status == "ready_for_pickup"

        # the shopper sees "ready" and the pickup code on the tracking page
        desktop.goto(tracking)
        assert desktop.locator(".track-badge").inner_text() == "Listo para retiro"
        code = desktop.locator("[data-pickup-code]").inner_text().strip()
        assert code == fulfilment.pickup_code

        # at the pickup desk the clerk types the code the shopper shows: handed over
        console.goto(f"{base}/console/orders/pickups/?location=SCL")
        row = console.locator("[data-testid=ready] tr", has_text=order.number)
        row.locator(f"[data-testid=code-{fid}]").fill(code)
        row.locator(f"form[action$='/f/{fid}/handover/'] button[type=submit]").click()
        console.wait_for_selector(".messages, .msg, [role=status]")
        fulfilment.refresh_from_db()
        assert fulfilment.status == "picked_up"
        desktop.goto(tracking)
        assert desktop.locator(".track-badge").inner_text() == "Retirado"
        assert desktop.locator("[data-pickup-code]").count() == 0
        assert axe(desktop) == []  # (done: no self-refresh, which axe's meta-refresh rule flags while pending)

        # and the phone, signed in as the same customer, sees the order in its account
        phone.goto(f"{base}/account/")
        assert order.number in phone.locator("[data-testid=orders]").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        desktop_context.close()

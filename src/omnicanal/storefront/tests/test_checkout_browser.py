"""In the browser, on a phone (390x844): the checkout page has no serious accessibility violation; a
curbside order paid on Webpay's sandbox lands on its tracking page, whose "I'm here" (with a parking
spot) puts it in the store's curbside queue in the console."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.orders import services as orders
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import queries, services
from omnicanal.storefront.auth import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _signed_in_with_a_cart(phone, live_server) -> None:
    """Ana's web session (signed in as the staff side does it) with a pair of socks, in the phone's cookie."""
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        started = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM)
        services.do_set_cart_line(shopper=queries.shopper_for_token(started.token), sku="SOCK-1", quantity=1)
    phone.context.add_cookies([{"name": COOKIE, "value": started.token, "url": live_server.url}])


def test_a_curbside_order_from_a_phone_reaches_the_stores_curbside_queue(phone, live_server, settings, axe, staff,
                                                                        console_login):
    from django.core.cache import cache

    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {"BASE_URL": "sandbox"}}
    _signed_in_with_a_cart(phone, live_server)

    phone.goto(f"{live_server.url}/checkout/")
    assert axe(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.locator("[data-testid=method-curbside]").check()
    assert not phone.locator("#address-line1").is_visible()  # only the chosen method's fields (CSS :has)
    phone.locator("[data-testid=curbside-SCL]").check()
    phone.click("[data-testid=place-order]")
    # off to Webpay (the sandbox), approved, back on the order's tracking page
    phone.click("[data-testid=webpay-pay]")
    phone.wait_for_selector("[data-testid=webpay-sandbox]")
    phone.click("button[value=approve]")
    phone.wait_for_url("**/track/**")
    order = Order.objects.get()
    assert order.delivery_method == "curbside" and order.status == "paid"

    fulfilment = order.fulfillments.get()
    for action in ("pick", "pack", "ready"):  # the store gets it ready
        with transaction.atomic():
            orders.do_transition(fulfillment_id=fulfilment.public_id, action=action)
    phone.reload()
    phone.get_by_label("Estacionamiento (opcional)").fill("B7")
    phone.get_by_role("button", name="Llegué").click()
    phone.wait_for_selector(".msg.success")

    console = console_login(staff("store_staff", ["SCL"], username="clerk"))
    console.goto(f"{live_server.url}/console/orders/pickups/?location=SCL")
    row = console.locator("[data-testid=curbside] tr", has_text=order.number)
    assert row.count() == 1 and "B7" in row.inner_text()

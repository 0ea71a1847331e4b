"""In the browser, on a phone: the tracking page of a ready pickup shows the code (text and QR), the
curbside "I'm here" lands in the store's curbside queue, and the shop's service worker registers
and shows the offline page without a network."""

import pytest
from django.db import transaction
from playwright.sync_api import Error as PlaywrightError

from omnicanal.core.auth import SYSTEM
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders
from omnicanal.orders.services import LineIn
from omnicanal.orders.tests.conftest import make_customer, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _ready_order(method: str) -> tuple[str, str, str]:
    """A placed order at SCL, picked, packed and ready: (order id, fulfilment id, pickup code)."""
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=customer_id, lines=[LineIn("SOCK-1", 1)],
                                      delivery={"method": method, "location": "SCL"}, actor=SYSTEM)
        orders.do_collect_payment(order=order, method="card")  # paid (goods never leave unpaid)
    f = orders_queries.get_fulfillment(order.fulfillments.get().public_id)
    for action in ("pick", "pack", "ready"):
        with transaction.atomic():
            orders.do_transition(fulfillment_id=f.public_id, action=action)
    return order.public_id, f.public_id, f.pickup_code


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_ready_pickup_shows_its_code_on_a_phone_and_the_desk_accepts_it(phone, live_server):
    order_id, f_id, code = _ready_order("pickup")
    phone.goto(f"{live_server.url}{_path(order_id)}")
    assert phone.locator(".track-badge").inner_text() == "Listo para retiro"
    shown = phone.locator("[data-pickup-code]").inner_text()
    assert shown == code
    assert phone.locator(".track-qr svg").is_visible()
    assert phone.locator("h1").inner_text().startswith("Pedido ")
    assert _fits(phone)
    # the code read off the phone opens the handover at the desk
    with transaction.atomic():
        handed = orders.do_transition(fulfillment_id=f_id, action="handover", data={"code": shown})
    assert handed.status == "picked_up"
    phone.reload()
    assert phone.locator(".track-badge").inner_text() == "Retirado"
    assert phone.locator("[data-pickup-code]").count() == 0


def test_the_tracking_page_follows_the_order_without_a_reload_and_passes_axe(phone, live_server, settings, axe):
    settings.OMNICANAL = {**settings.OMNICANAL, "TRACK_REFRESH_SECONDS": 1}
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=customer_id, lines=[LineIn("SOCK-1", 1)],
                                      delivery={"method": "pickup", "location": "SCL"}, actor=SYSTEM)
    f = orders_queries.get_fulfillment(order.fulfillments.get().public_id)
    phone.goto(f"{live_server.url}{_path(order.public_id)}")
    assert axe(phone) == []  # no <meta refresh>: the reader keeps control of the page
    phone.evaluate("window.__samePage = true")
    for action in ("pick", "pack", "ready"):
        with transaction.atomic():
            orders.do_transition(fulfillment_id=f.public_id, action=action)
    phone.locator(".track-badge", has_text="Listo para retiro").wait_for(timeout=10_000)
    assert phone.evaluate("window.__samePage === true")  # swapped in, not reloaded
    assert phone.locator("[data-pickup-code]").inner_text() == f.pickup_code


def _path(order_id: str) -> str:
    url = orders_queries.tracking_url(order_id)
    return url[url.index("/track/"):]


def test_im_here_on_a_phone_puts_the_order_in_the_curbside_queue(phone, live_server):
    order_id, f_id, _code = _ready_order("curbside")
    phone.goto(f"{live_server.url}{_path(order_id)}")
    phone.get_by_label("Estacionamiento (opcional)").fill("B7")
    phone.get_by_role("button", name="Llegué").click()
    phone.wait_for_selector(".msg.success")
    assert phone.locator(".track-arrived").is_visible()
    queue = list(orders_queries.queue(location="SCL", handover=True, statuses=("arrived",)))
    assert [(q.public_id, q.parking_spot) for q in queue] == [(f_id, "B7")]
    assert _fits(phone)


def test_the_service_worker_registers_and_serves_the_offline_page(phone, live_server):
    phone.goto(f"{live_server.url}/offline/")
    scope = phone.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    # once it controls the page, a navigation without a network shows the cached offline page
    phone.reload()
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    try:
        phone.goto(f"{live_server.url}/some/page/")
        assert phone.locator("h1").inner_text() == "Estás sin conexión"
        # the console lies inside the shop worker's scope but is not the shop's: left to the browser
        with pytest.raises(PlaywrightError):
            phone.goto(f"{live_server.url}/console/")
    finally:
        phone.context.set_offline(False)

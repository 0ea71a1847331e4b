"""The store desks in a browser, on a phone (390×844) and a laptop (1,366×768): an order whose card
is still pending cannot be handed over until the desk collects the balance; the pickup and returns
desks fit the screen (no sideways scroll), their primary action is visible, the navigation is
reachable through the menu, touch targets are 44 px, and axe finds nothing serious; cancelling asks
first in a native <dialog>."""

import pytest
from django.db import transaction

from omnicanal.orders import services
from omnicanal.orders.models import Fulfillment, Order
from omnicanal.orders.tests.conftest import make_customer, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def _ready_web_pickup(sku="SOCK-1", quantity=1) -> Fulfillment:
    """A web order for pickup at SCL whose online card payment is still pending, ready at the desk."""
    make_world()
    customer_id = make_customer(name="Ana Pérez")
    with transaction.atomic():
        order = services.do_place_order(channel="web", customer_id=customer_id, delivery={
            "method": "pickup", "location": "SCL"}, lines=[services.LineIn(sku, quantity)])
    fid = order.fulfillments.get().public_id
    for action in ("pick", "pack", "ready"):
        with transaction.atomic():
            services.do_transition(fulfillment_id=fid, action=action)
    return Fulfillment.objects.get(public_id=fid)


def _fits(page) -> None:
    """Nothing wider than the viewport: the document does not scroll sideways."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, f"document {width}px wide in a {viewport}px viewport"


def _visible_in_viewport(page, selector) -> None:
    box = page.locator(selector).first.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)


def _nav_reachable(page, live_server, size) -> None:
    """The console's sections are one tap away: the top bar on a laptop, the menu on a phone."""
    if size is PHONE:
        assert page.locator(".mainnav.wide-only").is_hidden()
        menu = page.locator("[data-testid=menu] > summary")
        assert menu.bounding_box()["height"] >= 44
        menu.focus()
        page.keyboard.press("Enter")  # a native disclosure: the keyboard opens it, no JS needed
        link = page.locator("[data-testid=menu] a[href='/console/orders/']")
    else:
        link = page.locator(".mainnav.wide-only a[href^='/console/orders/']").first
    assert link.is_visible()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_desk_refuses_the_handover_until_it_collects_the_balance(size, staff, console_login, live_server, axe):
    f = _ready_web_pickup()
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/console/orders/pickups/?location=SCL")
    row = page.locator(f"[data-order='{f.order.number}']")
    assert "Ana Pérez" in row.locator(f"[data-testid=customer-{f.public_id}]").inner_text()
    assert "5.000" in row.locator(f"[data-testid=due-{f.public_id}]").inner_text()
    assert row.locator(f"[data-testid=pickup-code-{f.public_id}]").inner_text() == f.pickup_code
    # the handover is not offered while money is due; collecting is the primary action
    assert page.locator(f"[data-testid=handover-{f.public_id}]").count() == 0
    collect = page.locator(f"[data-testid=collect-submit-{f.order.public_id}]")
    _visible_in_viewport(page, f"[data-testid=collect-submit-{f.order.public_id}]")
    if size is PHONE:  # a finger's touch target on the floor
        assert collect.bounding_box()["height"] >= 44
    _fits(page)
    assert axe(page) == []
    _nav_reachable(page, live_server, size)
    # a handover forced anyway (an old tab) is refused by the service: 409 payment-due, shown as a message
    with transaction.atomic():
        with pytest.raises(Exception) as refused:
            services.do_transition(fulfillment_id=f.public_id, action="handover", data={"code": f.pickup_code})
    assert refused.value.slug == "payment-due"
    # the clerk takes the balance in cash, then hands over with the customer's code
    page.select_option(f"[data-testid=collect-{f.order.public_id}] select[name=method]", "cash")
    collect.click()
    page.wait_for_selector(f"[data-testid=handover-{f.public_id}]")
    assert "Pagado" in page.locator(f"[data-testid=due-{f.public_id}]").inner_text()
    page.fill(f"[data-testid=code-{f.public_id}]", f.pickup_code)
    page.click(f"[data-testid=handover-{f.public_id}]")
    page.wait_for_selector(".msg.success")
    order = Order.objects.get(pk=f.order.pk)
    assert order.status == "completed" and order.fulfillments.get().status == "picked_up"
    assert sorted(order.payments.values_list("method", "status")) == [("card", "voided"), ("cash", "captured")]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_returns_desk_fits_and_offers_no_return_of_an_unpaid_order(size, staff, console_login, live_server, axe):
    unpaid = _ready_web_pickup().order
    with transaction.atomic():  # a POS sale, paid and carried out: returnable
        sold = services.do_place_order(channel="pos", customer_id=unpaid.customer_id, delivery={
            "method": "carry_out", "location": "SCL"}, lines=[services.LineIn("SOCK-1", 1)],
            payments=[services.PaymentIn(method="cash")])
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/console/orders/returns/?location=SCL&order={unpaid.number}")
    assert page.locator("[data-testid=no-return]").is_visible()
    assert page.locator("[data-testid=return-submit]").count() == 0
    page.goto(f"{live_server.url}/console/orders/returns/?location=SCL&order={sold.number}")
    assert "Ana Pérez" in page.locator("[data-testid=return-customer]").inner_text()
    _visible_in_viewport(page, "[data-testid=return-submit]")
    if size is PHONE:
        assert page.locator("[data-testid=return-submit]").bounding_box()["height"] >= 44
    _fits(page)
    assert axe(page) == []
    _nav_reachable(page, live_server, size)


def test_cancelling_asks_first_in_a_dialog_and_going_back_keeps_the_order(staff, console_login, live_server):
    f = _ready_web_pickup()
    page = console_login(staff("manager", ["SCL"], username="boss"))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/console/orders/o/{f.order.public_id}/")
    assert page.locator("[data-testid=order-pickup-code]").inner_text() == f.pickup_code
    assert page.locator("[data-testid=cancel-form] [data-confirm-check]").is_hidden()  # the dialog asks instead
    page.click("[data-testid=cancel-form] button[type=submit]")
    dialog = page.locator("dialog.confirm[open]")
    assert dialog.is_visible() and f.order.number in dialog.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("dialog.confirm").count() == 0
    assert Order.objects.get(pk=f.order.pk).status == "pending_payment"
    page.click("[data-testid=cancel-form] button[type=submit]")
    page.click("dialog.confirm [data-testid=confirm-yes]")
    page.wait_for_selector(".msg.success")
    assert Order.objects.get(pk=f.order.pk).status == "cancelled"
    assert page.locator("[data-testid=cancel-form]").count() == 0  # nothing left to cancel


def test_without_javascript_the_cancel_needs_the_ticked_checkbox(_chromium, staff, live_server):
    f = _ready_web_pickup()
    staff("manager", ["SCL"], username="boss")
    context = _chromium.new_context(locale="es-CL", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/console/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "secret-pass")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/console/orders/o/{f.order.public_id}/")
        # the menu still opens (a native <details>)
        page.click("[data-testid=menu] > summary")
        assert page.locator("[data-testid=menu] a[href='/console/orders/']").is_visible()
        box = page.locator("[data-testid=cancel-form] input[name=confirm]")
        assert box.is_visible() and box.get_attribute("required") is not None
        box.check()
        page.click("[data-testid=cancel-form] button[type=submit]")
        page.wait_for_selector(".msg.success")
        assert Order.objects.get(pk=f.order.pk).status == "cancelled"
    finally:
        context.close()

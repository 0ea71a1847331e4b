"""In the browser: a POS sale identifying the customer by phone, a pickup handover with the code,
and a web order returned at a store as store credit. (docs/screenshots/orders-*.png come from demo
data: `python tools/orders_screenshots.py`.)"""

import pytest
from django.db import transaction

from omnicanal.orders import services
from omnicanal.orders.models import Fulfillment, Order
from omnicanal.orders.tests.conftest import make_customer, make_world, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
def test_a_clerk_sells_at_the_pos_identifying_the_customer_by_phone(staff, console_login, live_server):
    make_world()
    customer_id = make_customer(phone="+56987654321")
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.goto(f"{live_server.url}/console/orders/pos/?location=SCL")
    page.fill("[data-testid=pos-who]", "9 8765 4321")
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-customer]")
    page.fill("[data-testid=pos-code]", "7800000000016")  # the sock's barcode
    page.locator("[data-testid=pos-code]").press("Enter")
    page.wait_for_selector("[data-testid=pos-lines] >> text=SOCK-1")
    page.fill("[data-testid=pos-code]", "SHOE-40")
    page.locator("[data-testid=pos-code]").press("Enter")
    page.wait_for_selector("[data-testid=pos-lines] >> text=SHOE-40")
    page.click("[data-testid=pos-sell]")
    page.wait_for_selector("[data-testid=receipt]")
    order = Order.objects.get()
    assert order.customer_id == customer_id and order.channel == "pos" and order.status == "completed"
    assert stock("SCL", "SOCK-1")["on_hand"] == 4 and stock("SCL", "SHOE-40")["on_hand"] == 2


def test_a_clerk_takes_points_after_scanning_the_customer_s_loyalty_qr(staff, console_login, live_server):
    from omnicanal.core.auth import SYSTEM
    from omnicanal.loyalty import qr
    from omnicanal.loyalty import queries as loyalty
    from omnicanal.loyalty.services import program

    make_world()
    customer_id = make_customer(phone="+56987654321")
    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.goto(f"{live_server.url}/console/orders/pos/?location=SCL")
    # identified by phone, the customer's points are not offered
    page.fill("[data-testid=pos-who]", "9 8765 4321")
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-customer]")
    page.fill("[data-testid=pos-code]", "SOCK-1")
    page.locator("[data-testid=pos-code]").press("Enter")
    page.wait_for_selector("[data-testid=pos-lines] >> text=SOCK-1")
    assert page.locator("[data-testid=pos-payment] option[value=points]").count() == 0
    # the scanner types the QR the customer shows on their phone
    with transaction.atomic():
        token = qr.make_token(customer_id)[0]
    page.fill("[data-testid=pos-who]", token)
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-present]")
    page.select_option("[data-testid=pos-payment]", "points")
    page.click("[data-testid=pos-sell]")
    page.wait_for_selector("[data-testid=receipt]")
    order = Order.objects.get()
    assert order.customer_id == customer_id and order.payments.get().method == "points"
    assert loyalty.summary(customer_id).points == 10000 - 5000 + 50


def test_a_clerk_sends_the_receipt_by_email_and_the_page_confirms_it(staff, console_login, live_server):
    make_world()
    customer_id = make_customer(phone="+56987654321")
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.goto(f"{live_server.url}/console/orders/pos/?location=SCL")
    page.fill("[data-testid=pos-who]", "9 8765 4321")
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-customer]")
    page.fill("[data-testid=pos-code]", "SOCK-1")
    page.locator("[data-testid=pos-code]").press("Enter")
    page.wait_for_selector("[data-testid=pos-lines] >> text=SOCK-1")
    page.fill("#receipt_email", "Ana.Boletas@Example.cl")
    page.click("[data-testid=pos-sell]")
    confirmed = page.wait_for_selector("[data-testid=receipt-email]")
    assert confirmed.inner_text() == "Boleta enviada a ana.boletas@example.cl"
    assert page.locator("[data-testid=receipt-print]").is_visible()  # the printed receipt still works
    order = Order.objects.get()
    assert order.customer_id == customer_id and order.contact["receipt_email"] == "ana.boletas@example.cl"


def test_a_clerk_hands_over_a_pickup_order_with_its_code(staff, console_login, live_server):
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        order = services.do_place_order(channel="web", customer_id=customer_id, delivery={
            "method": "pickup", "location": "SCL"}, lines=[services.LineIn("SHOE-40", 1)])
        services.do_collect_payment(order=order, method="card")  # paid: the goods may leave
        f = Fulfillment.objects.get(order=order)
        for action in ("pick", "pack", "ready"):
            services.do_transition(fulfillment_id=f.public_id, action=action)
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.goto(f"{live_server.url}/console/orders/pickups/?location=SCL")
    page.wait_for_selector(f"[data-testid=ready] >> text={order.number}")
    page.fill(f"[data-testid=code-{f.public_id}]", f.pickup_code)
    page.locator(f"[data-testid=code-{f.public_id}]").press("Enter")
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('[data-testid=ready] tr[data-order]')")
    f.refresh_from_db()
    assert f.status == "picked_up"


def test_a_web_order_is_returned_at_a_store_with_a_refund_as_store_credit(staff, console_login, live_server):
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        order = services.do_place_order(channel="web", customer_id=customer_id, lines=[services.LineIn("SHOE-41", 1)],
                                        delivery={"method": "ship", "address": {"line1": "x", "city": "Santiago",
                                                                                "country": "CL"}},
                                        payments=[services.PaymentIn(method="card")])
        pay = order.payments.get()
        services.do_payment_event(provider="testpay", event_id="e1", payment_id=pay.public_id, status="captured")
        f = Fulfillment.objects.get(order=order)
        for action, data in (("pick", {}), ("pack", {}), ("ship", {"carrier": "X", "tracking": "1"}), ("deliver", {})):
            services.do_transition(fulfillment_id=f.public_id, action=action, data=data)
    page = console_login(staff("store_staff", ["SCL"], username="clerk"))
    page.goto(f"{live_server.url}/console/orders/returns/?location=SCL")
    page.fill("[data-testid=return-order]", order.number)
    page.locator("[data-testid=return-order]").press("Enter")
    page.wait_for_selector("[data-testid=qty-SHOE-41]")
    page.fill("[data-testid=qty-SHOE-41]", "1")
    page.select_option("[data-testid=refund-to]", "store_credit")
    page.click("[data-testid=return-submit]")
    page.wait_for_selector("text=ret_")
    from omnicanal.loyalty import queries as loyalty

    assert loyalty.summary(customer_id).store_credit.amount == 50000
    assert stock("SCL", "SHOE-41")["on_hand"] == 1

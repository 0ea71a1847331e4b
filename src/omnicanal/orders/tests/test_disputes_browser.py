"""In the browser: a manager works the disputes queue — opens a late order's dispute, decides a
partial refund, sees it decided and the refund on the order; and a customer's label link prints."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.orders import queries, services
from omnicanal.orders.models import Dispute, Payment, Refund
from omnicanal.orders.tests.conftest import make_customer, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = {"line1": "Av. Apoquindo 4500", "city": "Las Condes", "country": "CL"}


def paid_order(customer_id):
    with transaction.atomic():
        order = services.do_place_order(channel="web", customer_id=customer_id, lines=[services.LineIn("SHOE-41", 1)],
                                        delivery={"method": "ship", "address": ADDRESS})
        pay = Payment.objects.get(order=order)
        services.do_payment_event(provider="testpay", event_id="evt-b1", payment_id=pay.public_id, status="captured")
    return order


def test_a_manager_decides_a_partial_refund_from_the_disputes_queue(staff, console_login, live_server):
    make_world()
    customer_id = make_customer()
    order = paid_order(customer_id)
    with clock.frozen(clock.now() + dt.timedelta(days=10)), transaction.atomic():
        dispute = services.do_open_dispute(order=order, kind="not_received", note="Nunca llegó", actor=SYSTEM)
    page = console_login(staff("manager", username="gerente"))
    # the queue, from the orders group's tab
    page.goto(f"{live_server.url}/console/orders/")
    page.click(".subnav >> text=Disputas")
    page.wait_for_selector(f"[data-testid=disputes] >> text={order.number}")
    page.click(f"[data-testid=open-{dispute.public_id}]")
    page.wait_for_selector("[data-testid=dispute-note] >> text=Nunca llegó")
    # a partial refund of 20.000 out of the 50.000 paid
    page.check("[data-testid=decision-partial]")
    page.fill("[data-testid=decision-amount]", "20.000")
    page.click("[data-testid=decide-submit]")
    page.click("dialog.confirm [data-testid=confirm-yes]")  # a decision is confirmed in a <dialog> first
    page.wait_for_selector("[data-testid=dispute-status] >> text=Resuelta")
    assert "20.000" in page.inner_text("[data-testid=dispute-decision]")
    dispute.refresh_from_db()
    assert dispute.status == "resolved" and dispute.decision == "partial_refund" and dispute.amount == 20000
    assert Refund.objects.get(order=order).amount == 20000
    # the refund and the decision are on the order
    page.click("[data-testid=dispute-order]")
    page.wait_for_selector("[data-testid=order-disputes] >> text=Resuelta")
    body = page.inner_text("body")
    assert "Disputa decidida: Reembolso parcial $20.000" in body and "Reembolso $20.000" in body
    # and the queue has nothing open left
    page.goto(f"{live_server.url}/console/orders/disputes/")
    assert order.number not in page.inner_text("[data-testid=disputes]")
    assert Dispute.objects.filter(status="open").count() == 0


def test_the_customer_opens_the_label_link_and_sees_a_printable_label(page, live_server):
    make_world()
    customer_id = make_customer()
    order = paid_order(customer_id)
    with transaction.atomic():
        for f in order.fulfillments.all():
            for action in ("pick", "pack", "ship", "deliver"):
                services.do_transition(fulfillment_id=f.public_id, action=action,
                                       data={"carrier": "Starken", "tracking": "S1"})
        ret = services.do_request_return(order=order, location="MAIL", lines=[
            {"sku": "SHOE-41", "quantity": 1, "reason": "size"}])
    url = queries.return_dict(ret)["label_url"]
    page.goto(f"{live_server.url}{url}")
    page.wait_for_selector("[data-testid=return-label]")
    assert page.inner_text("[data-testid=label-tracking]") == ret.tracking
    assert page.locator("[data-testid=label-qr] svg").count() == 1
    assert "Bodega" in page.inner_text("[data-testid=label-ship-to]")
    page.emulate_media(media="print")
    assert not page.locator("[data-testid=print-label]").is_visible()
    assert page.locator("[data-testid=return-label]").is_visible()

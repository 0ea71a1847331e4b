"""In the browser: an agent opens a customer's conversation, finds the order in the side panel, links
it to the conversation and grants store credit from the loyalty panel beside the thread."""

import os
from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from omnicanal.loyalty import queries as loyalty
from omnicanal.orders import services
from omnicanal.orders.models import Fulfillment
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.orders.tests.helpers import ADDRESS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_finds_the_order_links_it_and_grants_store_credit(api, staff, console_login, live_server):
    # given a customer with a shipped order and an older one, who writes on WhatsApp
    make_world()
    customer_id = make_customer(phone="+56987654321")
    with transaction.atomic():
        services.do_place_order(channel="web", customer_id=customer_id, delivery={"method": "pickup", "location": "SCL"},
                                lines=[services.LineIn("SOCK-1", 1)])
        order = services.do_place_order(channel="web", customer_id=customer_id,
                                        delivery={"method": "ship", "address": ADDRESS},
                                        lines=[services.LineIn("SHOE-41", 1)])
        services.do_collect_payment(order=order, method="card")  # paid: it may ship
        f = Fulfillment.objects.get(order=order)
        for step in ("pick", "pack"):
            services.do_transition(fulfillment_id=f.public_id, action=step)
        services.do_transition(fulfillment_id=f.public_id, action="ship", data={"carrier": "Starken", "tracking": "ST777"})
    inbound = api.post("/messages/inbound", {"channel": "whatsapp", "external_id": "wamid.1", "text": "¿Dónde está mi pedido?",
                                             "identities": [{"kind": "phone", "value": "+56987654321"}]})
    assert inbound.status_code == 202, inbound.content
    conversation_id = inbound.json()["conversation_id"]
    # when the agent opens the conversation and searches the order by number in the side panel
    page = console_login(staff("agent", username="valentina"))
    page.goto(f"{live_server.url}/console/conversations/{conversation_id}/")
    panel = page.locator("[data-testid=orders-panel]")
    panel.locator("input[type=search]").fill(order.number)
    panel.locator("input[type=search]").press("Enter")
    expect(page.locator("[data-testid=orders-panel] tr[data-order]")).to_have_count(1)  # the search swapped it
    expect(page.locator(f"[data-testid=orders-panel] tr[data-order='{order.number}']")).to_be_visible()
    assert "ST777" in page.locator("[data-testid=orders-panel]").inner_text()
    # and links it to the conversation
    page.click("[data-testid=orders-panel] [data-testid=link-order]")
    page.wait_for_selector(f"[data-testid=linked-order]:has-text('{order.number}')")
    # and grants 5.000 of store credit from the loyalty panel
    page.click("[data-testid=goodwill] summary")
    form = page.locator("[data-testid=grant-credit]")
    form.locator("input[name=amount]").fill("5.000")
    form.locator("input[name=note]").fill("Atraso en la entrega")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=loyalty-panel-notice]")
    if os.environ.get("SCREENSHOTS"):
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path="docs/screenshots/inbox-thread-actions.png", full_page=True)
    # then the ticket carries the order and the customer has the credit, granted as this agent from this thread
    ticket = api.get(f"/conversations/{conversation_id}").json()["ticket"]
    assert ticket["order_ref"] == order.number
    assert loyalty.summary(customer_id).store_credit.amount == Decimal(5000)

"""In the browser: find a customer by a phone typed as people type it, open the 360, accept a merge
suggestion and see both histories in one timeline."""

import os
from pathlib import Path

import pytest
from django.db import transaction

from omnicanal.customers.models import Customer
from omnicanal.customers.services import do_append_timeline, do_identify, do_suggest_merge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"


def test_search_by_phone_open_the_360_accept_a_suggestion_and_see_one_timeline(page, live_server, staff, console_login):
    with transaction.atomic():
        ana = do_identify(channel="web", identities=[{"kind": "phone", "value": "+56987654321"},
                                                     {"kind": "email", "value": "ana.rojas@example.cl"}],
                          traits={"name": "Ana Rojas Soto"}).customer_id
        other = do_identify(channel="telegram", identities=[{"kind": "telegram", "value": "551234"}],
                            traits={"name": "Ana Rojas"}).customer_id
        do_append_timeline(customer_id=ana, type="order.placed", channel="web", summary="Pedido web 1001")
        do_append_timeline(customer_id=other, type="message.in", channel="telegram",
                           summary="Hola, ¿tienen zapatillas talla 38?")
        do_suggest_merge(customer=Customer.objects.get(public_id=ana), other=Customer.objects.get(public_id=other),
                         score=85, reasons=[{"code": "similar_name"}])
    console_login(staff("agent"))

    page.goto(f"{live_server.url}/console/customers/")
    page.fill("#q", "9 8765 4321")
    page.locator("[data-testid=result]", has_text="Ana Rojas Soto").click()
    page.wait_for_selector("[data-testid=customer-name]:has-text('Ana Rojas Soto')")
    assert "Hola, ¿tienen zapatillas" not in page.inner_text("[data-testid=timeline]")

    page.click("[data-testid=customer-suggestions] [data-testid=accept]")
    page.click("[data-testid=customer-suggestions] [data-testid=accept-confirm]")  # merging asks first
    page.wait_for_selector("[data-testid=timeline]:has-text('Hola, ¿tienen zapatillas talla 38?')")
    timeline = page.inner_text("[data-testid=timeline]")
    assert "Pedido web 1001" in timeline
    assert page.inner_text("[data-testid=customer-id]") == ana
    identities = page.inner_text("[data-testid=identities]")
    assert "551234" in identities and "+56987654321" in identities

    page.select_option("[data-testid=filter-channel]", "telegram")
    page.wait_for_selector("[data-testid=timeline]:not(:has-text('Pedido web 1001'))")
    assert "Hola" in page.inner_text("[data-testid=timeline]")


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 to refresh docs/screenshots")
def test_screenshots_of_the_customer_pages_with_demo_data(page, live_server, staff, console_login):
    import random
    import sys

    from omnicanal.customers import demo, queries

    with transaction.atomic():
        demo.load(seed=2026, rng=random.Random("2026:customers"), out=sys.stdout)
    ana = queries.find_by_identity("phone", "9 8765 4321")
    console_login(staff("manager"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 1100})
    page.goto(f"{live_server.url}/console/customers/{ana.public_id}/")
    page.screenshot(path=str(SCREENSHOTS / "customers-360.png"), full_page=True)
    page.goto(f"{live_server.url}/console/customers/duplicates/")
    page.screenshot(path=str(SCREENSHOTS / "customers-duplicates.png"))

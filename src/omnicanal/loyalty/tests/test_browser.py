import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_adjusts_points_from_the_customers_loyalty_page(staff, console_login, live_server, api):
    # given a customer and a manager signed in to the console
    response = api.post("/customers/identify", {"channel": "pos", "identities": [{"kind": "email", "value": "tomas@example.com"}]})
    customer_id = response.json()["customer_id"]
    page = console_login(staff("manager"))
    # when they record an adjustment with a reason
    page.goto(f"{live_server.url}/console/loyalty/customers/{customer_id}/")
    page.wait_for_selector("[data-testid=loyalty-panel]")
    page.fill("#amount", "1500")
    page.fill("#reason", "Compensación por despacho atrasado")
    page.click("form[action$='/adjustments/'] button[type=submit]")
    # then the panel shows the points and the movement with its reason
    page.wait_for_selector("[data-testid=points]:has-text('500')")
    assert "".join(ch for ch in page.inner_text("[data-testid=points]") if ch.isdigit()) == "1500"
    assert "Compensación por despacho atrasado" in page.inner_text("[data-testid=loyalty-panel]")
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path="docs/screenshots/loyalty-customer-test.png", full_page=True)

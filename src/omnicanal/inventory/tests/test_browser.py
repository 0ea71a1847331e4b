"""The stock console in a real browser: a clerk counts at their store and reads the variance."""

import io
import random

import pytest
from django.db import transaction

from omnicanal.catalog.tests.test_browser import load_demo as load_demo_catalog
from omnicanal.catalog.tests.test_browser import shot


def load_demo(tmp_path, settings):
    from omnicanal.inventory import demo

    load_demo_catalog(tmp_path, settings)
    with transaction.atomic():
        demo.load(seed=2026, rng=random.Random("2026:inventory"), out=io.StringIO())


@pytest.mark.browser
def test_a_clerk_counts_stock_at_their_store_and_reads_the_variance(page, live_server, staff, console_login,
                                                                   tmp_path, settings):
    from omnicanal.inventory.models import StockLevel

    load_demo(tmp_path, settings)
    row = StockLevel.objects.filter(location__code="SCL-CENTRO", on_hand__gte=3, reserved=0).order_by("pk").first()
    sku, expected = row.variant.sku, row.on_hand
    # (with the demo stock loaded, the catalog audit shows only the demo's deliberate drifts)
    console_login(staff("manager", username="gerente"))
    page.goto(f"{live_server.url}/console/catalog/consistency/")
    page.wait_for_selector("[data-testid='drifts']")
    assert int(page.inner_text("[data-testid='drift-total']")) < 40
    shot(page, "catalog-consistency.png")
    page.context.clear_cookies()
    console_login(staff("store_staff", ["SCL-CENTRO"], username="tienda.santiago"))
    # the grid shows every location, so the clerk can tell a customer where the size is
    page.goto(f"{live_server.url}/console/inventory/")
    page.wait_for_selector("[data-testid='stock-grid']")
    shot(page, "inventory-grid.png")
    # the count form offers only the clerk's own store
    page.goto(f"{live_server.url}/console/inventory/count/")
    options = page.locator("select[name='location'] option").all_inner_texts()
    assert len(options) == 1 and options[0].startswith("SCL-CENTRO")
    page.fill("textarea[name='lines']", f"{sku} {expected - 2}")
    page.fill("input[name='reason']", "Conteo de prueba")
    page.click("[data-testid='stock-form'] button[type='submit']")
    page.wait_for_selector("[data-testid='variance']")
    assert "-2" in page.inner_text("[data-testid='variance']")
    shot(page, "inventory-count.png")
    row.refresh_from_db()
    assert row.on_hand == expected - 2

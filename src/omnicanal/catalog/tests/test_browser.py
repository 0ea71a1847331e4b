"""The console in a real browser: the listing editor and the consistency report."""

import io
import os
import random
from pathlib import Path

import pytest
from django.db import transaction

SHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"


def shot(page, name):
    if os.environ.get("SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / name), full_page=False)


def load_demo(tmp_path, settings):
    """The demo catalog (inventory's tests add the demo stock on top; catalog may not import it)."""
    from omnicanal.catalog import demo as catalog_demo

    settings.MEDIA_ROOT = tmp_path
    with transaction.atomic():
        catalog_demo.load(seed=2026, rng=random.Random("2026:catalog"), out=io.StringIO())


@pytest.mark.browser
def test_a_manager_overrides_a_marketplace_price_and_the_audit_reports_it(page, live_server, staff, console_login,
                                                                           tmp_path, settings):
    from omnicanal.catalog.models import Product

    # given the demo catalog and a manager signed in
    load_demo(tmp_path, settings)
    product = Product.objects.order_by("pk")[3]
    sku = product.variants.order_by("position")[1].sku
    console_login(staff("manager", username="gerente"))
    # when they open the product and give the marketplace its own price, far above the web's
    page.goto(f"{live_server.url}/console/catalog/p/{product.public_id}/")
    page.click(f"[data-testid='cell-marketplace-{sku}']")
    page.wait_for_selector("[data-testid='listing-form']")
    page.check("[data-testid='listing-form'] input[name='published']")
    page.fill("[data-testid='listing-form'] input[name='price']", "999990")
    page.click("[data-testid='listing-form'] button[type='submit']")
    page.wait_for_selector(f"[data-testid='cell-marketplace-{sku}'].saved")
    assert "999990" in page.inner_text(f"[data-testid='cell-marketplace-{sku}']")
    shot(page, "catalog-product.png")
    # then the consistency report lists that price among the drifts of the marketplace
    page.goto(f"{live_server.url}/console/catalog/consistency/?channel=marketplace")
    page.wait_for_selector("[data-testid='drifts']")
    assert sku in page.inner_text("[data-testid='drifts']")

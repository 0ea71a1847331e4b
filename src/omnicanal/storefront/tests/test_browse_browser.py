"""The browse pages in Debian's chromium on a phone: the categories menu (a native <dialog> that
Escape closes, giving focus back), a category with a facet, the product page, the shopper's
location putting the nearest store first; axe-core (vendored) finds no serious or critical
violation on the home, the menu, a category, a filtered category and the product page."""

import pytest
from django.db import transaction

from omnicanal.core import clock

from .browse_data import NEAR_PROVIDENCIA, WEDNESDAY_AFTERNOON, make_shop

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(_chromium):
    lat, lon = NEAR_PROVIDENCIA
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True,
                                    geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_a_shopper_on_a_phone_goes_from_a_category_to_a_product(phone, live_server, transactional_db, axe):
    with transaction.atomic():
        make_shop()
    page = phone
    with clock.frozen(WEDNESDAY_AFTERNOON):
        page.goto(f"{live_server.url}/")
        assert no_sideways_scroll(page)
        assert axe(page) == []
        # The categories menu: a modal dialog; Escape closes it and focus returns to its button.
        menu_button = page.locator("[data-dialog-open=categories-menu]")
        menu_button.click()
        dialog = page.locator("dialog#categories-menu")
        assert dialog.evaluate("d => d.open")
        assert axe(page) == []
        page.keyboard.press("Escape")
        assert not dialog.evaluate("d => d.open")
        assert page.evaluate("document.activeElement.getAttribute('data-dialog-open')") == "categories-menu"
        # …and from it, a category.
        menu_button.click()
        dialog.get_by_role("link", name="Zapatillas").click()
        page.wait_for_url("**/c/zapatillas/")
        assert page.get_by_role("heading", level=1).inner_text() == "Zapatillas"
        assert no_sideways_scroll(page)
        assert axe(page) == []
        # A facet, without JavaScript's help: a GET form.
        page.locator("summary", has_text="Filtrar").click()
        page.get_by_label("32").check()
        page.get_by_role("button", name="Aplicar").click()
        page.wait_for_url("**size=32**")
        cards = page.locator("[data-testid=results] .card")
        assert cards.count() == 1
        assert axe(page) == []
        cards.first.get_by_role("link").click()
        page.wait_for_url("**/p/zapatilla-nino-chispa/")
        assert "39.990" in page.locator("[data-testid=price]").inner_text()
        assert no_sideways_scroll(page)
        assert axe(page) == []
        # The other size, by a link.
        page.get_by_role("link", name="34").click()
        page.wait_for_url("**sku=CHI-34**")
        assert "42.990" in page.locator("[data-testid=price]").inner_text()
        # The shopper shares their location: Providencia, the nearest, comes first and has this size today.
        page.get_by_role("button", name="Usar mi ubicación").click()
        page.wait_for_url("**lat=**")
        first = page.locator(".store-list li").first
        assert first.get_attribute("data-store") == "PROV"
        assert first.locator("[data-testid=pickup-today]").count() == 1
        assert axe(page) == []


@pytest.mark.browser
def test_the_browse_pages_on_a_desktop_have_no_serious_accessibility_violations(page, live_server, transactional_db,
                                                                                axe):
    with transaction.atomic():
        make_shop()
    with clock.frozen(WEDNESDAY_AFTERNOON):
        for path in ("/", "/c/", "/c/running/?size=32&pickup=CENTRO", "/search/?q=zapatila",
                     "/p/zapatilla-nino-chispa/?store=PROV"):
            page.goto(f"{live_server.url}{path}")
            assert page.locator("h1").count() == 1, path
            assert axe(page) == [], path

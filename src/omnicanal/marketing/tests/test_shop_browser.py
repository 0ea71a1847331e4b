"""The shop's product page on a phone shows the recommendations with their reasons, without
sideways scrolling and with no serious or critical axe-core violation."""

import pytest

from omnicanal.core import clock
from omnicanal.marketing.tests.conftest import make_shop, train
from omnicanal.marketing.tests.test_recommendations import NOW, cyclists
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)


@pytest.mark.browser
def test_a_phone_shows_the_recommendations_on_a_product_page(phone, live_server, transactional_db, axe):  # noqa: F811
    make_shop()
    cyclists()
    train(NOW)
    with clock.frozen(NOW):
        phone.goto(f"{live_server.url}/p/bicicleta-cordillera/")
        section = phone.get_by_test_id("recommended")
        assert section.is_visible()
        assert "Casco Ruta" in section.inner_text()
        assert "Se suele comprar después de Bicicleta Cordillera" in section.inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(phone) == []


@pytest.mark.browser
def test_an_agent_on_a_phone_reads_the_360s_suggestions_and_cycles_without_sideways_scrolling(
        phone, live_server, transactional_db, staff, axe):  # noqa: F811
    from omnicanal.marketing.tests.conftest import buy, make_customer
    from omnicanal.marketing.tests.test_recommendations import DAY

    make_shop()
    cyclists()
    ana = make_customer()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    agent = staff("agent")
    phone.goto(f"{live_server.url}/console/login/")
    phone.fill("#id_username", agent.username)
    phone.fill("#id_password", "secret-pass")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/console/**")
    with clock.frozen(NOW):
        phone.goto(f"{live_server.url}/console/customers/{ana}/")
        cycles = phone.get_by_test_id("purchase-cycles")
        assert "Bicicletas" in cycles.inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(phone) == []


@pytest.fixture
def desktop(_chromium):
    """A desktop browser (1280x900, Spanish)."""
    context = _chromium.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.browser
def test_the_home_shows_a_signed_in_shopper_what_is_like_what_she_viewed_on_a_phone_and_a_desktop(
        phone, desktop, live_server, transactional_db, axe):  # noqa: F811
    from django.db import transaction

    from omnicanal.core.auth import SYSTEM
    from omnicanal.marketing.tests.conftest import make_customer
    from omnicanal.marketing.tests.test_recommendations_stores import view
    from omnicanal.storefront import services
    from omnicanal.storefront.auth import COOKIE

    make_shop()
    for n in range(4):  # four shoppers looked at the Cordillera bicycle, then the helmet
        view(make_customer(phone=f"+5697300000{n}", name=f"Mirón {n}", email=f"m{n}@example.cl"),
             "bicicleta-cordillera", "casco-ruta")
    ana = make_customer()
    view(ana, "bicicleta-cordillera")
    train(NOW)
    for page in (phone, desktop):
        with transaction.atomic():
            token = services.do_sign_in_as(customer_id=ana, channel="web", actor=SYSTEM).token
        page.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])
        page.goto(f"{live_server.url}/")
        section = page.get_by_test_id("because-viewed")
        assert section.is_visible()
        assert "Inspirado en lo que viste" in section.inner_text()
        assert "Casco Ruta" in section.inner_text() and "Porque viste Bicicleta Cordillera" in section.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(page) == []

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

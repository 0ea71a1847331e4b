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
        assert "Se compra a menudo con Bicicleta Cordillera" in section.inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(phone) == []

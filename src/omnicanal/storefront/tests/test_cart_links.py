"""A chat answer's signed link opens the shop with the cart filled (storefront/cart_links.py): the
lines land in the opening device's cart; a tampered link changes nothing."""

import pytest
from django.db import transaction

from omnicanal.storefront import cart_links
from omnicanal.storefront.tests.browse_data import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    with transaction.atomic():
        make_shop()


def test_the_link_fills_the_devices_cart_and_shows_it(client, shop):
    url = cart_links.cart_url([("CER-42", 1)])
    opened = client.get(url.replace("http://testserver", ""))
    assert opened.status_code == 302 and opened["Location"] == "/cart/"
    cart = client.get("/cart/").content.decode()
    assert "Zapatilla Trail Cerro" in cart and "CER-42" in cart
    client.get(url)  # opening it again sets the same line: one unit, not two
    assert 'value="1"' in client.get("/cart/").content.decode()


def test_a_tampered_link_fills_nothing(client, shop):
    url = cart_links.cart_url([("CER-42", 1)])
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    opened = client.get(f"/cart/link/{forged}/")
    assert opened.status_code == 302 and opened["Location"] == "/"
    assert "Zapatilla Trail Cerro" not in client.get("/cart/").content.decode()

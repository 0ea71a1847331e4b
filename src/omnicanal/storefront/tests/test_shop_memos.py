"""What every shop page reads again and again is memoized per process (core/memo.py): the category
tree, the channel's pickup stores, the web chat inbox. A change to any of them shows on the very next
page (the owning domain forgets on every write of its rows); prices, stock and "pickup today" are never
memoized (docs/storefront.md, "Speed")."""

import pytest
from django.db import transaction

from omnicanal.catalog import services as catalog_services
from omnicanal.catalog.models import Category, Channel, Variant
from omnicanal.channels import services as channels
from omnicanal.core import clock
from omnicanal.inventory import services as inventory
from omnicanal.inventory.models import Location

from .browse_data import WEDNESDAY_AFTERNOON, make_shop
from .test_browse_pages import store_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    make_shop()


def text(response) -> str:
    return response.content.decode()


def test_a_renamed_or_new_category_shows_on_the_next_page(client, shop):
    assert "Zapatillas" in text(client.get("/"))
    shoes = Category.objects.get(slug="zapatillas")
    shoes.name_es = "Calzado de ruta"
    shoes.save()  # as the admin writes it: the signal forgets, no service call needed
    html = text(client.get("/"))
    assert "Calzado de ruta" in html and ">Zapatillas<" not in html
    menu = html.split('id="categories-menu"', 1)[1].split("</dialog>", 1)[0]  # its HTML is held per tree
    assert ">Calzado de ruta</a>" in menu
    english = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert ">Shoes</a>" in english.split('id="categories-menu"', 1)[1].split("</dialog>", 1)[0]
    catalog_services.do_create_category(slug="trail", name_es="Trail", name_en="Trail", parent=shoes.parent)
    assert client.get("/c/trail/").status_code == 200
    assert "Trail" in text(client.get("/c/running/"))


def test_a_category_moved_under_another_changes_what_the_parent_lists(client, shop):
    assert "Zapatilla Niño Chispa" in text(client.get("/c/running/"))
    shoes = Category.objects.get(slug="zapatillas")
    shoes.parent = Category.objects.get(slug="outdoor")
    shoes.save()
    assert "Zapatilla Niño Chispa" not in text(client.get("/c/running/"))
    assert "Zapatilla Niño Chispa" in text(client.get("/c/outdoor/"))


def test_a_store_that_stops_handing_over_leaves_the_pickup_list_at_once(client, shop):
    assert 'data-store="PROV"' in text(client.get("/p/zapatilla-nino-chispa/"))
    with transaction.atomic():
        inventory.do_link_channel(location=Location.objects.get(code="PROV"), channel="web", ships=True, pickup=False)
    html = text(client.get("/p/zapatilla-nino-chispa/"))
    assert 'data-store="PROV"' not in html
    Location.objects.filter(code="CENTRO").update(active=False)  # no signal: only max age would see it...
    location = Location.objects.get(code="CENTRO")
    location.save()  # ...but any save does, as the console's and the admin's do
    assert 'data-store="CENTRO"' not in text(client.get("/p/zapatilla-nino-chispa/"))


def test_stock_pickup_today_and_prices_are_never_memoized(client, shop):
    with clock.frozen(WEDNESDAY_AFTERNOON):
        before = text(client.get("/p/zapatilla-nino-chispa/", {"sku": "CHI-32"}))
    assert "Agotado" in store_item(before, "PROV") and "pickup-today" not in store_item(before, "PROV")
    with transaction.atomic():
        inventory.do_receive_stock(location=Location.objects.get(code="PROV"), lines=[("CHI-32", 4)])
        catalog_services.do_set_listing(channel=Channel.objects.get(pk="web"), variant=Variant.objects.get(sku="CHI-32"),
                                        published=True, price="12345")
    with clock.frozen(WEDNESDAY_AFTERNOON):
        after = text(client.get("/p/zapatilla-nino-chispa/", {"sku": "CHI-32"}))
    assert "4 disponibles" in store_item(after, "PROV") and "pickup-today" in store_item(after, "PROV")
    assert "12.345" in after


def test_the_web_chat_widget_follows_its_inbox_at_once(client, shop):
    assert 'data-testid="shop-chat"' not in text(client.get("/"))
    with transaction.atomic():
        inbox = channels.do_create_inbox(channel="webchat", name="Web", config={})
    assert f'data-inbox="{inbox.public_id}"' in text(client.get("/"))
    with transaction.atomic():
        channels.do_update_inbox(inbox=inbox, active=False)
    assert 'data-testid="shop-chat"' not in text(client.get("/c/running/"))

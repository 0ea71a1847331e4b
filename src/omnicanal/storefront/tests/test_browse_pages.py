"""The shop's browse pages: home, categories, search, the product page (no JavaScript needed)."""

import re

import pytest

from omnicanal.catalog import placeholders
from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog import services as catalog_services
from omnicanal.core import clock

from .browse_data import NEAR_PROVIDENCIA, WEDNESDAY_AFTERNOON, WEDNESDAY_NIGHT, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    make_shop()


def text(response) -> str:
    return response.content.decode()


def store_item(html: str, code: str) -> str:
    found = re.search(rf'<li data-store="{code}">(.*?)</li>', html, re.S)
    assert found, f"no {code} in the store list"
    return found.group(1)


def test_home_shows_what_the_web_sells_and_the_categories_menu(client, shop):
    page = text(client.get("/"))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" in page
    assert "Chaqueta Oculta" not in page  # not published on the web
    assert '<dialog id="categories-menu"' in page and 'href="/c/"' in page and 'data-dialog-open="categories-menu"' in page
    assert 'href="/c/running/"' in page
    assert "Continue where you left off" not in page and "Continúa donde quedaste" not in page


def test_continue_where_you_left_off_lists_this_devices_recent_products(client, shop):
    client.get("/p/zapatilla-trail-cerro/")
    client.get("/p/zapatilla-nino-chispa/")
    page = text(client.get("/"))
    recent = page[page.index('data-testid="recent"'):page.index('data-testid="featured"')]
    assert recent.index("Zapatilla Niño Chispa") < recent.index("Zapatilla Trail Cerro")  # most recent first
    from django.test import Client
    assert 'data-testid="recent"' not in text(Client().get("/"))  # another device has its own


def test_a_category_page_lists_its_subtree_with_facets(client, shop):
    response = client.get("/c/running/")
    page = text(response)
    assert response.status_code == 200
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" in page
    assert 'name="size" value="32"' in page and 'name="color" value="negro"' in page and 'name="brand" value="condor"' in page
    assert 'href="/c/zapatillas/"' in page  # its children


def test_facet_filters_narrow_the_list(client, shop):
    page = text(client.get("/c/running/", {"size": "42"}))
    assert "Zapatilla Trail Cerro" in page and "Zapatilla Niño Chispa" not in page
    page = text(client.get("/c/running/", {"brand": "condor", "sort": "price_desc"}))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" not in page
    page = text(client.get("/c/running/", {"max": "50000"}))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" not in page


def test_malformed_filters_are_left_out_not_a_500(client, shop):
    response = client.get("/c/running/", {"min": "abc", "page": "x", "sort": "weird"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response) and "Zapatilla Trail Cerro" in text(response)


def test_an_unknown_category_or_product_is_a_404(client, shop):
    assert client.get("/c/nope/").status_code == 404
    assert client.get("/p/nope/").status_code == 404
    assert client.get("/p/chaqueta-oculta/").status_code == 404  # unpublished on the web


def test_search_forgives_typos_and_accents(client, shop):
    page = text(client.get("/search/", {"q": "zapatila"}))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" in page and "2 productos" in page
    page = text(client.get("/search/", {"q": "nino"}))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" not in page
    assert "Chaqueta Oculta" not in text(client.get("/search/", {"q": "chaqueta"}))


def test_pickup_today_filter_keeps_what_the_store_can_hand_over_while_it_is_open(client, shop):
    with clock.frozen(WEDNESDAY_AFTERNOON):
        page = text(client.get("/c/running/", {"pickup": "PROV"}))
    assert "Zapatilla Niño Chispa" in page and "Zapatilla Trail Cerro" not in page
    with clock.frozen(WEDNESDAY_NIGHT):
        page = text(client.get("/c/running/", {"pickup": "PROV"}))
    assert "Zapatilla Niño Chispa" not in page and "Tienda Providencia" in page


def test_the_product_page_shows_price_variants_and_stores_nearest_first(client, shop):
    lat, lon = NEAR_PROVIDENCIA
    with clock.frozen(WEDNESDAY_AFTERNOON):
        response = client.get("/p/zapatilla-nino-chispa/", {"sku": "CHI-32", "lat": lat, "lon": lon})
    page = text(response)
    assert response.status_code == 200
    assert "39.990" in page and "42.990" in page  # the variant's own price shows on its chip
    assert 'aria-current="true">32' in page
    assert page.index('data-store="PROV"') < page.index('data-store="CENTRO"')  # nearest first
    assert 'data-store="WH"' not in page  # a warehouse is not a store
    # Dawn#1698: the nearest store has none of this size: never "pickup today" there.
    assert "pickup-today" not in store_item(page, "PROV") and "Agotado" in store_item(page, "PROV")
    assert "pickup-today" in store_item(page, "CENTRO")
    assert "Retira hoy en Tienda Centro" in page
    assert "Despacho a domicilio" in page  # the warehouse ships it


def test_pickup_today_only_while_the_store_opens_today(client, shop):
    with clock.frozen(WEDNESDAY_NIGHT):
        page = text(client.get("/p/zapatilla-nino-chispa/", {"sku": "CHI-32"}))
    assert "pickup-today" not in page and "Retira hoy" not in page
    assert "2 disponibles" in store_item(page, "CENTRO")


def test_the_chosen_store_is_kept_for_the_device_and_listed_first(client, shop):
    with clock.frozen(WEDNESDAY_AFTERNOON):
        client.get("/p/zapatilla-nino-chispa/", {"store": "PROV"})
        page = text(client.get("/p/zapatilla-nino-chispa/", {"sku": "CHI-32"}))
    assert page.index('data-store="PROV"') < page.index('data-store="CENTRO"')
    assert "tu tienda" in store_item(page, "PROV")
    client.get("/p/zapatilla-nino-chispa/", {"store": "NOT-A-STORE"})
    assert client.session["storefront.store"] == "PROV"


def test_a_malformed_location_is_no_location(client, shop):
    assert client.get("/p/zapatilla-nino-chispa/", {"lat": "abc", "lon": "1"}).status_code == 200
    assert client.get("/p/zapatilla-nino-chispa/", {"lat": "91", "lon": "0"}).status_code == 200


def test_the_product_image_is_served_locally_to_anyone(client, shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    svg = placeholders.svg_card(title="Zapatilla Niño Chispa", subtitle="Cóndor", family="running", seed=1)
    image = catalog_services.do_add_image(product=catalog_queries.get_product("zapatilla-nino-chispa"),
                                          filename="chispa.svg", content=svg, alt_es="Chispa roja")
    page = text(client.get("/p/zapatilla-nino-chispa/"))
    url = f"/console/catalog/image/{image.public_id}"
    assert f'<img src="{url}" alt="Chispa roja"' in page
    assert url in text(client.get("/c/zapatillas/"))  # the card too
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/svg+xml"


def test_english_readers_get_english(client, shop):
    page = text(client.get("/p/zapatilla-nino-chispa/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Chispa kids shoe" in page and "Availability in stores" in page


def test_the_product_page_adds_the_chosen_variant_to_the_cart_without_javascript(client, shop):
    page = text(client.get("/p/zapatilla-nino-chispa/?sku=CHI-32"))
    form = re.search(r'<form method="post" action="/cart/lines/" class="add-to-cart".*?</form>', page, re.S)
    assert form and 'name="sku" value="CHI-32"' in form.group(0)

    answer = client.post("/cart/lines/", {"sku": "CHI-32", "quantity": "2", "next": "/p/zapatilla-nino-chispa/?sku=CHI-32"})

    assert answer.status_code == 302 and answer["Location"] == "/p/zapatilla-nino-chispa/?sku=CHI-32"
    cart = text(client.get("/cart/"))
    assert "Zapatilla Niño Chispa" in cart and re.search(r"value=\"2\"", cart)


def _more_shoes(n: int) -> None:
    shoes = catalog_services.do_ensure_category(ref="zapatillas")
    for i in range(n):
        catalog_services.do_create_product(
            name_es=f"Zapatilla Extra {i}", category=shoes, price="50000", handle=f"zapatilla-extra-{i}",
            variants=[catalog_services.VariantSpec(sku=f"EXT-{i}-{s}", attributes={"size": s, "color": "blanco"})
                      for s in ("40", "41")])


def test_browse_pages_cost_the_same_queries_however_big_the_catalog(client, shop, django_assert_max_num_queries):
    """No query per product, variant or store: the page's queries are fixed (the cap is today's count)."""
    _more_shoes(30)
    client.get("/p/zapatilla-nino-chispa/")  # the device has a "recently viewed" (a cookie: no session read)
    # That first page also read what every process memoizes (core/memo.py: the category tree, the
    # pickup stores, the web chat inbox): the counts below are those of every later page.
    # The facets (one statement on PostgreSQL, four on SQLite), the page with its count, the cards
    # (names, SKUs and images in one read): 3 queries on PostgreSQL, 6 on SQLite.
    with django_assert_max_num_queries(6):
        assert client.get("/c/running/", {"size": "40", "sort": "price_asc"}).status_code == 200
    with django_assert_max_num_queries(4):  # new in and recently viewed: a page and its cards each
        assert client.get("/").status_code == 200
    # product, variants, prices, images, stock, "recently viewed" (a page and its cards) and the
    # reviews' counts (no reviews: no list to read); no session, no category tree, no chat inbox
    with django_assert_max_num_queries(8):
        assert client.get("/p/zapatilla-extra-7/").status_code == 200


def test_colour_filters_read_in_the_readers_language(client, shop):
    spanish = text(client.get("/c/running/"))
    english = text(client.get("/c/running/", HTTP_ACCEPT_LANGUAGE="en"))
    assert re.search(r'name="color" value="negro"[^>]*> Negro ', spanish)
    assert re.search(r'name="color" value="negro"[^>]*> Black ', english)
    assert "34 · blue" in text(client.get("/p/zapatilla-nino-chispa/", HTTP_ACCEPT_LANGUAGE="en"))


def test_a_page_opened_with_an_app_session_cookie_shows_the_apps_catalogue(client, shop):
    from omnicanal.storefront import auth, services

    # The jacket is unpublished on the web only. The app's web view carries its session as the cookie.
    assert client.get("/search/", {"q": "chaqueta"}).content.decode().count("Chaqueta Oculta") == 0
    client.cookies[auth.COOKIE] = services.do_start_session(channel="app").token
    assert "Chaqueta Oculta" in text(client.get("/search/", {"q": "chaqueta"}))
    assert client.get("/p/chaqueta-oculta/").status_code == 200

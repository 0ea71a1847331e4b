"""Store API: GET /products and GET /products/{handle} (shared/API.md, Store API), anonymous."""

import pytest

from omnicanal.core import clock

from .browse_data import NEAR_PROVIDENCIA, WEDNESDAY_AFTERNOON, WEDNESDAY_NIGHT, make_shop

pytestmark = pytest.mark.django_db
BASE = "/api/store/v1"


@pytest.fixture
def shop(db):
    make_shop()


def test_products_lists_what_the_web_publishes_with_money_and_urls(client, shop):
    response = client.get(f"{BASE}/products")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and {i["handle"] for i in body["items"]} == {"zapatilla-nino-chispa", "zapatilla-trail-cerro"}
    chispa = next(i for i in body["items"] if i["handle"] == "zapatilla-nino-chispa")
    assert chispa["price"] == {"amount": "39990", "currency": "CLP"}
    assert chispa["url"] == "http://testserver/p/zapatilla-nino-chispa/"
    assert set(chispa) >= {"handle", "name", "price", "url"}


def test_products_search_forgives_typos_and_filters_by_category(client, shop):
    assert [i["handle"] for i in client.get(f"{BASE}/products", {"q": "nino"}).json()["items"]] == ["zapatilla-nino-chispa"]
    assert client.get(f"{BASE}/products", {"q": "zapatila"}).json()["total"] == 2
    assert client.get(f"{BASE}/products", {"category": "outdoor"}).json() == {"items": [], "total": 0, "page": 1, "pages": 1}
    assert client.get(f"{BASE}/products", {"q": "chaqueta"}).json()["total"] == 0  # unpublished on the web


def test_products_bad_page_is_a_problem_not_a_500(client, shop):
    response = client.get(f"{BASE}/products", {"page": "0"})
    assert response.status_code == 422 and response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{BASE}/products", {"page": "x"}).status_code == 422


def test_product_has_variants_prices_and_stores_nearest_first(client, shop):
    lat, lon = NEAR_PROVIDENCIA
    with clock.frozen(WEDNESDAY_AFTERNOON):
        body = client.get(f"{BASE}/products/zapatilla-nino-chispa", {"lat": lat, "lon": lon}).json()
    assert body["handle"] == "zapatilla-nino-chispa" and body["name"] == "Zapatilla Niño Chispa"
    assert body["description"] == "Liviana para correr." and body["url"].endswith("/p/zapatilla-nino-chispa/")
    assert body["rating"] == {"average": None, "count": 0}
    small, big = body["variants"]
    assert small["sku"] == "CHI-32" and small["attributes"] == {"size": "32", "color": "rojo"}
    assert small["price"] == {"amount": "39990", "currency": "CLP"} and big["price"]["amount"] == "42990"
    assert small["available"] == 12  # 2 in the Centro store + 10 in the warehouse
    assert [s["code"] for s in small["stores"]] == ["PROV", "CENTRO"]
    prov, centro = small["stores"]
    # Dawn#1698: the nearest store has none: never pickup_today there.
    assert prov == {"code": "PROV", "name": "Tienda Providencia", "available": 0, "pickup_today": False,
                    "distance_km": prov["distance_km"]}
    assert centro["available"] == 2 and centro["pickup_today"] is True
    assert prov["distance_km"] < centro["distance_km"]
    assert [s["pickup_today"] for s in big["stores"]] == [True, False]


def test_product_pickup_today_is_false_once_the_store_has_closed(client, shop):
    with clock.frozen(WEDNESDAY_NIGHT):
        body = client.get(f"{BASE}/products/zapatilla-nino-chispa").json()
    stores = {s["code"]: s for s in body["variants"][0]["stores"]}
    assert stores["CENTRO"]["available"] == 2 and stores["CENTRO"]["pickup_today"] is False


def test_unpublished_or_unknown_product_is_a_404_problem(client, shop):
    for handle in ("chaqueta-oculta", "nope"):
        response = client.get(f"{BASE}/products/{handle}")
        assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")


def test_a_half_or_impossible_location_is_a_422(client, shop):
    assert client.get(f"{BASE}/products/zapatilla-nino-chispa", {"lat": "-33.4"}).status_code == 422
    assert client.get(f"{BASE}/products/zapatilla-nino-chispa", {"lat": "99", "lon": "0"}).status_code == 422
    assert client.get(f"{BASE}/products/zapatilla-nino-chispa", {"lat": "x", "lon": "0"}).status_code == 422


def test_an_app_session_browses_the_apps_catalogue_and_a_wrong_token_is_refused(client, shop):
    token = client.post(f"{BASE}/sessions", {"channel": "app"}, content_type="application/json").json()["token"]
    app = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    # The jacket is unpublished on the web only: the app's session finds it, an anonymous caller does not.
    assert client.get(f"{BASE}/products", {"q": "chaqueta"}, **app).json()["total"] == 1
    assert client.get(f"{BASE}/products", {"q": "chaqueta"}).json()["total"] == 0
    assert client.get(f"{BASE}/products", HTTP_AUTHORIZATION="Bearer shp_wrong").status_code == 401

"""Recommendations: learned from what customers bought and viewed, never what the asking channel
does not sell or cannot promise, never a second durable good, never what was returned as unwanted;
each with its reason. The API, the Store API, the shop's pages and the 360 show them."""

import datetime as dt

from django.db import transaction
from django.test import Client
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.marketing import queries
from omnicanal.marketing.tests.conftest import START, buy, train
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import console_login
from omnicanal.storefront.tests.conftest import Device

DAY = dt.timedelta(days=1)
NOW = START + 7 * DAY


def cyclists(n=4):
    """n customers who bought a bicycle, then a helmet; one of them a pump too."""
    ids = []
    for i in range(n):
        customer = make_customer(phone=f"+5698000000{i}", name=f"Ciclista {i}", email=f"c{i}@example.cl")
        buy(customer, "BIKE2-M" if i % 2 else "BIKE-M", at=START - 60 * DAY)
        buy(customer, "HELMET-1", at=START - 59 * DAY)
        if i == 0:
            buy(customer, "PUMP-1", at=START - 50 * DAY)
        ids.append(customer)
    return ids


def recommend(customer_id, **kw):
    with clock.frozen(NOW):
        return queries.recommend(customer_id=customer_id, **kw)


def test_a_bicycle_buyer_is_recommended_a_helmet_never_a_second_bicycle(ana):
    # given riders who bought a bicycle and then a helmet, and Ana, who bought a bicycle last week
    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    found = recommend(ana, channel="web", limit=5)
    skus = [r.sku for r in found]
    # then the helmet comes first, because she bought the bicycle, and no bicycle at all
    assert skus[0] == "HELMET-1"
    assert found[0].reason == "Porque compraste Bicicleta Cordillera"
    assert not {"BIKE-M", "BIKE2-M"} & set(skus)


def test_reasons_speak_the_readers_language(ana):
    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    assert recommend(ana, limit=1, language="en")[0].reason == "Because you bought Bicicleta Cordillera"


def test_never_what_the_channel_does_not_publish_or_cannot_promise(ana):
    from omnicanal.catalog import queries as catalog_queries
    from omnicanal.catalog import services as catalog
    from omnicanal.inventory import services as inventory
    from omnicanal.inventory.models import Location

    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    with transaction.atomic():  # the app stops publishing the helmet; the pump runs out everywhere
        catalog.do_set_listing(channel=catalog_queries.get_channel("app"), variant=catalog_queries.get_variant("HELMET-1"),
                               published=False)
        for location in Location.objects.filter(code__in=("WH", "SCL")):
            inventory.do_count(location=location, lines=[("PUMP-1", 0)], reason="test")
    on_app = [r.sku for r in recommend(ana, channel="app", limit=10)]
    on_web = [r.sku for r in recommend(ana, channel="web", limit=10)]
    assert "HELMET-1" not in on_app and "HELMET-1" in on_web
    assert "PUMP-1" not in on_app and "PUMP-1" not in on_web


def test_never_what_the_customer_returned_as_unwanted(ana, bea):
    from omnicanal.orders import queries as orders_queries
    from omnicanal.orders import services as orders

    # given two gel buyers (gels are bought again: recommendable after a purchase), and Bea sent
    # the Gel Ultra back because she did not want it
    for customer in (ana, bea):
        buy(customer, "GEL-1", at=NOW - 10 * DAY)
        ultra = buy(customer, "GEL-2", at=NOW - 9 * DAY)
    with clock.frozen(NOW - 8 * DAY), transaction.atomic():
        orders.do_request_return(order=orders_queries.get_order(ultra), location="SCL",
                                 lines=[{"sku": "GEL-2", "quantity": 1, "reason": "changed_mind"}])
    train(NOW)
    # then Ana is offered it again, Bea never
    assert "GEL-2" in [r.sku for r in recommend(ana, limit=5)]
    assert "GEL-2" not in [r.sku for r in recommend(bea, limit=5)]


def test_a_replenishable_product_may_be_recommended_again(ana, bea):
    for customer in (ana, bea):
        buy(customer, "GEL-1", at=NOW - 20 * DAY)
        buy(customer, "GEL-2", at=NOW - 19 * DAY)
    train(NOW)
    assert "GEL-2" in [r.sku for r in recommend(ana, limit=5)]


def test_without_history_the_channel_s_popular_products(ana):
    cyclists()
    train(NOW)
    found = recommend(ana, channel="web", limit=3)
    assert found and {r.reason for r in found} == {"Popular ahora"}


def test_the_recommendations_api_answers_the_contract(api, issue_key, ana):
    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    marketer = api.as_(issue_key("marketer"))
    response = marketer.get(f"/customers/{ana}/recommendations?limit=2")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert len(items) == 2 and items[0]["sku"] == "HELMET-1" and items[0]["product"] == "casco-ruta"
    assert set(items[0]) >= {"sku", "product", "score", "reason"} and items[0]["score"] > 0
    bad = marketer.get(f"/customers/{ana}/recommendations?limit=0")
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")
    assert marketer.get(f"/customers/{ana}/recommendations?channel=nowhere").status_code == 422
    assert api.as_(issue_key("integration")).get(f"/customers/{ana}/recommendations").status_code == 403


def test_the_store_api_recommends_on_a_product_page_and_refuses_an_unknown_context(client, api, ana):
    cyclists()
    train(NOW)
    device = Device(Client())
    with clock.frozen(NOW):
        response = device.get("/recommendations", context="product:bicicleta-cordillera", limit=3)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert items[0] == {"sku": "HELMET-1", "handle": "casco-ruta", "name": "Casco Ruta",
                        "reason": "Se suele comprar después de Bicicleta Cordillera"}
    assert "bicicleta-cordillera" not in [i["handle"] for i in items]
    bad = device.get("/recommendations", context="checkout")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("context")


def test_the_shop_s_product_page_shows_the_recommendations(client, ana):
    cyclists()
    train(NOW)
    page = client.get(reverse("shop-product", args=["bicicleta-cordillera"])).content.decode()
    assert "Recomendado para ti" in page and "Casco Ruta" in page
    assert "Se suele comprar después de Bicicleta Cordillera" in page


def test_the_360_shows_an_agent_what_to_suggest_and_the_purchase_cycles(client, ana):
    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    console_login(client, "agent", (), "agent-360")
    page = client.get(f"/console/customers/{ana}/").content.decode()
    assert 'data-testid="marketing-panel"' in page
    assert "Casco Ruta" in page and "Porque compraste Bicicleta Cordillera" in page
    assert "Sin promociones hasta el" in page


def test_the_console_previews_a_customer_and_retrains(client, ana):
    cyclists()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    console_login(client, "marketer", (), "marketer-1")
    response = client.post(reverse("marketing:retrain"))
    assert response.status_code == 302
    page = client.get(reverse("marketing:home"), {"customer": ana}).content.decode()
    assert "Casco Ruta" in page and "Bicicletas" in page
    console_login(client, "agent", (), "agent-1")
    assert client.get(reverse("marketing:home")).status_code in (302, 403)


def test_an_anonymous_cart_with_a_bicycle_is_offered_the_helmet(client, shop):
    cyclists()
    train(NOW)
    device = Device(Client())
    assert device.put("/cart/lines", {"sku": "BIKE-M", "quantity": 1}).status_code in (200, 201)
    with clock.frozen(NOW):
        items = device.get("/recommendations", context="cart", limit=2).json()["items"]
    assert items[0]["sku"] == "HELMET-1"
    assert items[0]["reason"] == "Combina con Bicicleta Cordillera de tu carro"
    assert "BIKE-M" not in [i["sku"] for i in items]

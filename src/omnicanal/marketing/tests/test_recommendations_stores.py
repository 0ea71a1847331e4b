"""Recommendations per store and "because you viewed": a shopper with a preferred store is topped up
with that store's best sellers (then the channel's, then everyone's); a store asking (its POS, its
tablet) never gets what it cannot hand over now; the "because you viewed" list names the product
the shopper looked at. The staff API, the Store API and the shop's home show them."""

from django.db import transaction
from django.test import Client
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.marketing import queries
from omnicanal.marketing.tests.conftest import PRICES, START, buy, train
from omnicanal.marketing.tests.test_recommendations import DAY, NOW, cyclists
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront.tests.conftest import Device


def sell_at(store, sku, *, customer_id, at=START - 30 * DAY):
    """A carry-out sale at `store`'s till."""
    from omnicanal.orders import services as orders

    with clock.frozen(at), transaction.atomic():
        orders.do_place_order(channel="pos", delivery={"method": "carry_out", "location": store},
                              customer_id=customer_id, lines=[orders.LineIn(sku=sku, quantity=1)],
                              payments=[orders.PaymentIn(method="cash", amount=Money.of(PRICES[sku]))])


def stock_vap(*skus):
    from omnicanal.inventory import services as inventory

    with transaction.atomic():
        inventory.do_receive_stock(location="VAP", lines=[(sku, 10) for sku in skus])


def two_stores():
    """Santiago's till sells helmets (three customers), Viña's sells pumps (two): the till channel's
    best seller is the helmet, Viña's own the pump."""
    stock_vap("PUMP-1", "GEL-1")
    for n in range(3):
        buy(make_customer(phone=f"+5697100000{n}", name=f"Santiago {n}", email=f"s{n}@example.cl"), "HELMET-1",
            at=START - 20 * DAY)
    for n in range(2):
        sell_at("VAP", "PUMP-1", customer_id=make_customer(phone=f"+5697200000{n}", name=f"Viña {n}",
                                                           email=f"v{n}@example.cl"))


def prefer(customer_id, store):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_set_preferred_store(customer_id=customer_id, store=store)


def recommend(customer_id, **kw):
    with clock.frozen(NOW):
        return queries.recommend(customer_id=customer_id, **kw)


def view(customer_id, *handles):
    from omnicanal.storefront import lists

    for minute, handle in enumerate(handles):
        with clock.frozen(NOW - DAY + minute * dt_minute()), transaction.atomic():
            lists.do_remember_viewed(customer_id=customer_id, handle=handle)


def dt_minute():
    import datetime as dt

    return dt.timedelta(minutes=1)


def test_a_shopper_with_a_preferred_store_gets_its_best_sellers_first(ana, bea):
    # given Viña sells pumps and the chain's tills sell helmets most; Ana shops at Viña
    two_stores()
    prefer(ana, "VAP")
    train(NOW)
    mine = recommend(ana, channel="pos", limit=3)
    assert [r.sku for r in mine][:2] == ["PUMP-1", "HELMET-1"]
    assert mine[0].reason == "Popular en Tienda VAP" and mine[1].reason == "Popular ahora"
    # then Bea, who chose no store, gets the channel's best seller first
    assert recommend(bea, channel="pos", limit=1)[0].sku == "HELMET-1"
    assert recommend(ana, channel="pos", limit=1, language="en")[0].reason == "Popular at Tienda VAP"


def test_a_store_asking_never_gets_what_it_cannot_hand_over_now(ana):
    from omnicanal.inventory import queries as inventory

    # given riders bought a bicycle, then a helmet; Ana bought a bicycle: the helmet is her first
    # suggestion anywhere, but Viña has no helmets (only pumps and gels)
    cyclists()
    two_stores()
    buy(ana, "BIKE-M", at=NOW - 7 * DAY)
    train(NOW)
    assert recommend(ana, channel="pos", limit=1)[0].sku == "HELMET-1"
    at_vina = recommend(ana, channel="pos", store="VAP", limit=8)
    assert at_vina and "HELMET-1" not in [r.sku for r in at_vina]
    assert all(inventory.stock_level(location="VAP", sku=r.sku)["available"] > 0 for r in at_vina)
    assert "PUMP-1" in [r.sku for r in at_vina]  # bought after a bicycle, and Viña has pumps


def test_because_you_viewed_names_the_product_she_looked_at(ana, bea):
    # given four shoppers looked at the Cordillera bicycle and then the helmet, and Ana looked at
    # the bicycle yesterday
    for n in range(4):
        view(make_customer(phone=f"+5697300000{n}", name=f"Mirón {n}", email=f"m{n}@example.cl"),
             "bicicleta-cordillera", "casco-ruta")
    view(ana, "bicicleta-cordillera")
    train(NOW)
    found = recommend(ana, kind="because_viewed", limit=4)
    assert found[0].sku == "HELMET-1" and found[0].reason == "Porque viste Bicicleta Cordillera"
    assert {r.reason for r in found} == {"Porque viste Bicicleta Cordillera"}
    assert "BIKE-M" not in [r.sku for r in found]
    # then Bea, who viewed nothing, has no such list (never a popular filler)
    assert recommend(bea, kind="because_viewed", limit=4) == []


def test_the_staff_api_takes_a_store_and_a_kind(api, issue_key, ana):
    two_stores()
    view(ana, "bombin-pro")
    train(NOW)
    marketer = api.as_(issue_key("marketer"))
    with clock.frozen(NOW):
        response = marketer.get(f"/customers/{ana}/recommendations?channel=pos&store=vap&limit=3")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["kind"] == "for_you" and body["items"][0]["sku"] == "PUMP-1"
        assert body["items"][0]["reason"] == "Popular en Tienda VAP"
        viewed = marketer.get(f"/customers/{ana}/recommendations?kind=because_viewed").json()
        assert viewed["kind"] == "because_viewed"
        assert viewed["items"][0]["sku"] == "HELMET-1" and viewed["items"][0]["reason"] == "Porque viste Bombín Pro"
    for bad, field in (("store=NOPE", "store"), ("kind=later", "kind")):
        refused = marketer.get(f"/customers/{ana}/recommendations?{bad}")
        assert refused.status_code == 422 and refused["Content-Type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"].endswith(field)


def test_a_clerk_asks_from_their_own_store_only(api, issue_key, ana):
    """The panel's readers call the staff API too (a clerk's app at the counter); a store-scoped key
    asks from its store when it names none, and may not ask as another store."""
    two_stores()
    view(ana, "bombin-pro")
    train(NOW)
    clerk = api.as_(issue_key("store_staff", locations=["VAP"]))
    agent = api.as_(issue_key("agent"))
    with clock.frozen(NOW):
        own = clerk.get(f"/customers/{ana}/recommendations?channel=pos&limit=3")
        assert own.status_code == 200, own.content
        assert own.json()["items"][0]["sku"] == "PUMP-1"
        assert own.json()["items"][0]["reason"] == "Popular en Tienda VAP"
        assert clerk.get(f"/customers/{ana}/recommendations?channel=pos&store=scl").status_code == 403
        assert agent.get(f"/customers/{ana}/recommendations?channel=pos&limit=3").status_code == 200
    assert api.as_(issue_key("integration")).get(f"/customers/{ana}/recommendations").status_code == 403


def test_the_store_api_takes_a_store_and_a_kind(ana):
    from omnicanal.storefront import services

    two_stores()
    view(ana, "bombin-pro")
    train(NOW)
    tablet = Device(Client())
    with clock.frozen(NOW):
        at_vina = tablet.get("/recommendations", store="VAP", limit=5)
        assert at_vina.status_code == 200, at_vina.content
        assert at_vina.json()["items"][0] == {"sku": "PUMP-1", "handle": "bombin-pro", "name": "Bombín Pro",
                                              "reason": "Popular en Tienda VAP"}
        assert {i["sku"] for i in at_vina.json()["items"]} <= {"PUMP-1", "GEL-1"}
        assert tablet.get("/recommendations", kind="because_viewed").json() == {"kind": "because_viewed", "items": []}
        with transaction.atomic():
            services.do_sign_in_as(customer_id=ana, token=tablet.token, channel="web", actor=SYSTEM)
        items = tablet.get("/recommendations", kind="because_viewed").json()["items"]
        assert items[0]["handle"] == "casco-ruta" and items[0]["reason"] == "Porque viste Bombín Pro"
        on_page = tablet.get("/recommendations", kind="because_viewed", context="product:casco-ruta").json()["items"]
        assert "casco-ruta" not in [i["handle"] for i in on_page]  # never the product on screen
        for params, field in (({"store": "NOPE"}, "store"), ({"kind": "soon"}, "kind")):
            refused = tablet.get("/recommendations", **params)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"].endswith(field)


def test_the_shop_s_home_shows_a_signed_in_shopper_what_is_like_what_she_viewed(client, ana):
    from omnicanal.storefront.tests.test_account_more import signed_in

    for n in range(4):
        view(make_customer(phone=f"+5697300000{n}", name=f"Mirón {n}", email=f"m{n}@example.cl"),
             "gel-maraton", "gel-ultra")
    view(ana, "gel-maraton")
    train(NOW)
    anonymous = client.get(reverse("shop-home")).content.decode()
    assert 'data-testid="because-viewed"' not in anonymous
    signed_in(client, ana)
    with clock.frozen(NOW):
        page = client.get(reverse("shop-home")).content.decode()
    assert 'data-testid="because-viewed"' in page and "Inspirado en lo que viste" in page
    section = page.split('data-testid="because-viewed"')[1].split("</section>")[0]
    assert "Gel Ultra" in section and "Porque viste Gel Maratón" in section
    if 'data-testid="recommended"' in page:  # a card shows once on the page, in the list that says why best
        assert "Gel Ultra" not in page.split('data-testid="recommended"')[1].split("</section>")[0]

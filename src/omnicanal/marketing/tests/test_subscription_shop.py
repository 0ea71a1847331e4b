"""Subscribing from the product page and changing a subscription from the account page: only a
replenishable product offers it, the interval offered first is the customer's own cycle, posting
subscribes (the shopper's own session) and lands on the account's subscriptions; the change form
moves the quantity, interval, place (a store or a saved address) and next date, and a bad field is
a 422 shown beside it; the Store API's PATCH takes an address."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.core import clock
from omnicanal.customers import services as customers
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import buy, make_shop
from omnicanal.marketing.tests.test_subscription_page import PAGE, browser_for, token_for
from omnicanal.marketing.tests.test_subscriptions import subscribe
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)

GEL_PAGE, BIKE_PAGE, SUBSCRIBE = "/p/gel-maraton/", "/p/bicicleta-cordillera/", "/subscriptions/new/"
HOME = {"label": "Casa", "line1": "Av. Grecia 1200", "city": "Ñuñoa", "region": "RM", "country": "CL"}


def save_address(customer_id, address=HOME):
    with transaction.atomic():
        return customers.do_add_address(customer_id=customer_id, address=address).public_id


def test_only_a_replenishable_product_offers_a_subscription(ana):
    browser = browser_for(ana)
    gel = browser.get(GEL_PAGE).content.decode()
    assert "Suscríbete y recíbelo cada pocos días" in gel and 'value="pickup:SCL"' in gel
    assert 'value="30" selected' in gel  # the category's cycle, as she never bought gels
    assert "Suscríbete y recíbelo" not in browser.get(BIKE_PAGE).content.decode()


def test_a_category_made_replenishable_offers_it_on_the_next_page(ana):
    from omnicanal.catalog.models import Category

    browser = browser_for(ana)
    assert "Suscríbete y recíbelo" not in browser.get(BIKE_PAGE).content.decode()  # memoized: not replenishable
    bikes = Category.objects.get(slug="bicicletas")
    bikes.purchase_cycle, bikes.replenish_days = "replenishable", 60
    bikes.save()  # forgets catalog's memo of replenishable products
    assert 'value="60" selected' in browser.get(BIKE_PAGE).content.decode()


def test_the_interval_offered_first_is_her_own_cycle(ana):
    now = clock.now()
    for days_ago in (40, 20, 0):  # a gel every 20 days
        buy(ana, "GEL-1", at=now - dt.timedelta(days=days_ago))
    page = browser_for(ana).get(GEL_PAGE).content.decode()
    assert 'value="25" selected' in page  # 2 intervals of 20, shrunk toward the category's 30


def test_a_stranger_is_asked_to_sign_in_and_comes_back(shop):
    page = Client().get(GEL_PAGE).content.decode()
    assert "Inicia sesión para suscribirte" in page and "next=/p/gel-maraton/" in page
    answer = Client().post(SUBSCRIBE, {"handle": "gel-maraton", "sku": "GEL-1"})
    assert answer.status_code == 302 and "next=%2Fp%2Fgel-maraton%2F" in answer["Location"]
    assert not Subscription.objects.exists()


def test_posting_subscribes_her_and_lands_on_her_subscriptions(ana):
    address = save_address(ana)
    browser = browser_for(ana)
    assert f'value="ship:{address}"' in browser.get(GEL_PAGE).content.decode()
    answer = browser.post(SUBSCRIBE, {"handle": "gel-maraton", "sku": "GEL-1", "quantity": "3", "interval_days": "21",
                                      "place": f"ship:{address}"})
    assert answer.status_code == 302 and answer["Location"].startswith(PAGE)
    sub = Subscription.objects.get()
    assert (sub.lines, sub.interval_days, sub.delivery_method, sub.channel) == ([{"sku": "GEL-1", "quantity": 3}], 21,
                                                                                 "ship", "web")
    assert sub.address["line1"] == "Av. Grecia 1200"
    assert "Listo: ya tienes tu suscripción" in browser.get(answer["Location"]).content.decode()


@pytest.mark.parametrize(("form", "message"), [
    ({"quantity": "0"}, "Elige entre 1 y 99 unidades."),
    ({"interval_days": "3"}, "Elige cada cuánto"),
    ({"place": "ship:adr_not_hers"}, "Elige una tienda o una de tus direcciones."),
    ({"place": "pickup:NOPE"}, "Esa tienda no entrega pedidos"),
])
def test_a_bad_field_goes_back_to_the_product_saying_which(ana, form, message):
    browser = browser_for(ana)
    answer = browser.post(SUBSCRIBE, {"handle": "gel-maraton", "sku": "GEL-1", "quantity": "1", "interval_days": "30",
                                      "place": "pickup:SCL", **form})
    assert answer.status_code == 302 and answer["Location"].startswith(GEL_PAGE)
    assert message in browser.get(answer["Location"]).content.decode()
    assert not Subscription.objects.exists()


def change(browser, sub, **fields):
    current = Subscription.objects.get(public_id=sub)
    form = {"subscription_id": sub, "action": "change", "lines.0.quantity": str(current.lines[0]["quantity"]),
            "interval_days": str(current.interval_days), "place": f"pickup:{current.location}",
            "next_date": current.next_date.isoformat(), **fields}
    return browser.post(PAGE, form)


def test_the_account_page_changes_quantity_interval_place_and_date(ana):
    sub = subscribe(ana)
    address = save_address(ana)
    browser = browser_for(ana)
    assert 'name="lines.0.quantity"' in browser.get(PAGE).content.decode()
    later = subs.today() + dt.timedelta(days=10)
    answer = change(browser, sub, **{"lines.0.quantity": "6", "interval_days": "45", "place": f"ship:{address}",
                                     "next_date": later.isoformat()})
    assert answer.status_code == 302
    row = Subscription.objects.get(public_id=sub)
    assert (row.lines[0]["quantity"], row.interval_days, row.delivery_method, row.location, row.next_date) == \
        (6, 45, "ship", "", later)
    assert row.address["city"] == "Ñuñoa"
    page = browser.get(answer["Location"]).content.decode()
    assert "Tu suscripción cambió." in page and f'value="ship:{address}" selected' in page
    change(browser, sub, place="pickup:SCL")
    assert Subscription.objects.get(public_id=sub).delivery_method == "pickup"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"lines.0.quantity": "100"}, "q0", "debe estar entre 1 y 99"),
    ({"interval_days": "200"}, "interval", "debe estar entre 7 y 180 días"),
    ({"place": "pickup:NOPE"}, "place", "no es una tienda que entregue pedidos"),
    ({"next_date": "2001-01-01"}, "next", "debe ser desde mañana"),
    ({"next_date": "pronto"}, "next", "no es una fecha"),
])
def test_a_bad_change_is_a_422_beside_its_field(ana, fields, field, message):
    sub = subscribe(ana)
    before = Subscription.objects.get(public_id=sub)
    answer = change(browser_for(ana), sub, **fields)
    page = answer.content.decode()
    assert answer.status_code == 422
    assert f'id="{sub}-{field}-error">' in page and message in page.split(f'id="{sub}-{field}-error">')[1][:120]
    assert f'aria-describedby="{sub}-{field}-error"' in page
    after = Subscription.objects.get(public_id=sub)
    assert (after.lines, after.interval_days, after.location, after.next_date) == \
        (before.lines, before.interval_days, before.location, before.next_date)


def test_another_customers_subscription_is_not_changed(ana, bea):
    sub = subscribe(ana)
    assert change(browser_for(bea), sub, interval_days="60").status_code == 409
    assert Subscription.objects.get(public_id=sub).interval_days == 30


def test_the_store_api_patch_takes_an_address(ana):
    sub = subscribe(ana)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(ana)}")
    url = f"/api/store/v1/subscriptions/{sub}"
    answer = api.patch(url, {"delivery_method": "ship", "address": {"line1": "Irarrázaval 5000", "city": "Ñuñoa"}},
                       content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["address"]["line1"] == "Irarrázaval 5000"
    row = Subscription.objects.get(public_id=sub)
    assert (row.delivery_method, row.address["line1"], row.address["country"]) == ("ship", "Irarrázaval 5000", "CL")
    bad = api.patch(url, {"address": {"line1": "", "city": "Ñuñoa"}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "address.line1"


@pytest.mark.browser
def test_a_phone_subscribes_from_the_product_page(phone, live_server, transactional_db, axe):  # noqa: F811
    make_shop()
    ana = make_customer()
    phone.context.add_cookies([{"name": COOKIE, "value": token_for(ana), "url": live_server.url}])
    phone.goto(f"{live_server.url}{GEL_PAGE}")
    panel = phone.locator("section.subscribe")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(phone) == []
    panel.locator("#sub-quantity").fill("2")
    panel.locator("button[type=submit]").click()
    phone.wait_for_selector(".notice")
    assert phone.url.startswith(f"{live_server.url}{PAGE}")
    assert Subscription.objects.get().lines == [{"sku": "GEL-1", "quantity": 2}]
    phone.locator(".subscription-change summary").click()
    phone.locator("select[name=interval_days]").select_option("60")
    phone.locator("button[value=change]").click()
    phone.wait_for_selector(".notice")
    assert Subscription.objects.get().interval_days == 60
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(phone) == []

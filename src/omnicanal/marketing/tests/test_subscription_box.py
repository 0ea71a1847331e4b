"""Changing the box (issue 18): the customer adds a product, changes a quantity or leaves a line out
of their subscription (never the last one: that is cancelling) through the Store API's PATCH, and
the units held for the coming cycle follow the change; a bad line is a 422 naming its field."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.inventory.models import Reservation
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import START
from omnicanal.marketing.tests.test_subscription_api import GELS, STORE, shopper
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, get, run
from omnicanal.storefront.tests.conftest import phone  # noqa: F401  (a fixture)

DAY = dt.timedelta(days=1)


def lines_of(sub):
    return [(line["sku"], line["quantity"]) for line in Subscription.objects.get(public_id=sub).lines]


def test_the_shopper_adds_a_product_changes_a_quantity_and_removes_a_line(api, client, ana):
    me = shopper(api, client, ana)
    sub = me.post(f"{STORE}/subscriptions", GELS).json()["id"]
    added = me.patch(f"{STORE}/subscriptions/{sub}", {"lines": [{"sku": "GEL-1", "quantity": 4},
                                                                {"sku": "GEL-2", "quantity": 2}]})
    assert added.status_code == 200, added.content
    assert added.json()["estimate"] == {"amount": "13000", "currency": "CLP"}  # 4 × 2000 + 2 × 2500
    changed = me.patch(f"{STORE}/subscriptions/{sub}", {"lines": [{"sku": "GEL-1", "quantity": 6},
                                                                  {"sku": "GEL-2", "quantity": 2}]})
    assert changed.status_code == 200 and lines_of(sub) == [("GEL-1", 6), ("GEL-2", 2)]
    removed = me.patch(f"{STORE}/subscriptions/{sub}", {"lines": [{"sku": "GEL-2", "quantity": 2}]})
    assert removed.status_code == 200 and removed.json()["lines"] == [{"sku": "GEL-2", "quantity": 2}]


def test_a_bad_box_is_a_422_field_by_field_and_changes_nothing(api, client, ana):
    me = shopper(api, client, ana)
    sub = me.post(f"{STORE}/subscriptions", GELS).json()["id"]
    cases = [([{"sku": "GEL-1", "quantity": 4}, {"sku": "NOPE-9", "quantity": 1}], "lines.1.sku"),
             ([{"sku": "GEL-1", "quantity": 0}], "lines.0.quantity"),
             ([], "lines")]
    for lines, field in cases:
        answer = me.patch(f"{STORE}/subscriptions/{sub}", {"lines": lines}, headers={"Accept-Language": "en"})
        assert answer.status_code == 422, (lines, answer.content)
        assert answer["Content-Type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert "cancel" in me.patch(f"{STORE}/subscriptions/{sub}", {"lines": []},
                                headers={"Accept-Language": "en"}).json()["errors"][0]["message"]
    spanish = me.patch(f"{STORE}/subscriptions/{sub}", {"lines": []}, headers={"Accept-Language": "es"})
    assert "cancélala" in spanish.json()["errors"][0]["message"]
    assert lines_of(sub) == [("GEL-1", 4)]


def test_another_customers_box_is_a_404(api, client, ana, bea):
    sub = shopper(api, client, ana).post(f"{STORE}/subscriptions", GELS).json()["id"]
    other = shopper(api, client, bea)
    answer = other.patch(f"{STORE}/subscriptions/{sub}", {"lines": [{"sku": "GEL-2", "quantity": 1}]})
    assert answer.status_code == 404 and lines_of(sub) == [("GEL-1", 4)]


def held_lines(sub, date):
    reservation = Reservation.objects.filter(reference=f"{sub}:{date.isoformat()}", status="active").first()
    return sorted((line.stock.variant.sku, line.quantity) for line in reservation.lines.all()) if reservation else []


def change(sub, at, **changes):
    with clock.frozen(at), transaction.atomic():
        return subs.do_change(subscription_id=sub, **changes)


def test_the_units_held_for_the_coming_cycle_follow_the_change(ana):
    with clock.frozen(START), transaction.atomic():
        sub = subs.do_subscribe(customer_id=ana, lines=[subs.LineSpec("GEL-1", 4)], interval_days=30,
                                delivery_method="pickup", location="SCL", next_date=FIRST).public_id
    within = at_noon(FIRST - 3 * DAY)
    assert run(sub, within) == ["reserved"] and held_lines(sub, FIRST) == [("GEL-1", 4)]
    # a product added: the new box is held at once, not an hour later
    change(sub, within, lines=[subs.LineSpec("GEL-1", 4), subs.LineSpec("GEL-2", 2)])
    assert held_lines(sub, FIRST) == [("GEL-1", 4), ("GEL-2", 2)] and get(sub).reserved_for == FIRST
    # a line removed: its units are given back
    change(sub, within, lines=[subs.LineSpec("GEL-2", 2)])
    assert held_lines(sub, FIRST) == [("GEL-2", 2)]
    # the date moved beyond the reservation days: nothing held until the run gets there
    later = FIRST + 20 * DAY
    change(sub, within, next_date=later)
    assert held_lines(sub, FIRST) == [] and held_lines(sub, later) == [] and get(sub).reserved_for is None
    assert Reservation.objects.filter(status="active").count() == 0


# --- the account page's change form -------------------------------------------------------------


def post_change(browser, sub, **fields):
    from omnicanal.marketing.tests.test_subscription_shop import change as page_change

    return page_change(browser, sub, **fields)


def test_the_account_page_adds_a_product_and_removes_a_line(ana):
    from omnicanal.marketing.tests.test_subscription_page import PAGE, browser_for
    from omnicanal.marketing.tests.test_subscriptions import subscribe

    sub = subscribe(ana)
    browser = browser_for(ana)
    page = browser.get(PAGE).content.decode()
    # the box offers the replenishable products sold on the channel not in it yet, never a bicycle
    assert 'name="add.sku"' in page and '<option value="GEL-2">' in page
    assert 'value="BIKE-M"' not in page and '<option value="GEL-1">' not in page
    assert 'name="lines.0.remove"' not in page  # its only line: removing it would be cancelling
    added = post_change(browser, sub, **{"add.sku": "GEL-2", "add.quantity": "3"})
    assert added.status_code == 302 and lines_of(sub) == [("GEL-1", 4), ("GEL-2", 3)]
    page = browser.get(added["Location"]).content.decode()
    assert "Tu suscripción cambió." in page and 'name="lines.1.remove"' in page
    removed = post_change(browser, sub, **{"lines.1.quantity": "3", "lines.0.remove": "1"})
    assert removed.status_code == 302 and lines_of(sub) == [("GEL-2", 3)]


def test_the_page_says_a_bad_box_beside_its_field(ana):
    from omnicanal.marketing.tests.test_subscription_page import browser_for
    from omnicanal.marketing.tests.test_subscriptions import subscribe

    sub = subscribe(ana)
    browser = browser_for(ana)
    for fields, box, message in (({"add.sku": "NOPE-9", "add.quantity": "1"}, "add", "no se vende en este canal"),
                                 ({"add.sku": "GEL-2", "add.quantity": "0"}, "add", "debe estar entre 1 y 99"),
                                 ({"lines.0.remove": "1"}, "lines", "cancélala")):
        answer = post_change(browser, sub, **fields)
        page = answer.content.decode()
        assert answer.status_code == 422, fields
        assert message in page.split(f'id="{sub}-{box}-error">')[1][:160], fields
        assert f'aria-describedby="{sub}-{box}-error"' in page
    assert lines_of(sub) == [("GEL-1", 4)]


@pytest.mark.browser
def test_a_phone_adds_a_product_and_removes_one(phone, live_server, transactional_db, axe):  # noqa: F811
    from omnicanal.marketing.tests.conftest import make_shop
    from omnicanal.marketing.tests.test_subscription_page import PAGE, token_for
    from omnicanal.marketing.tests.test_subscriptions import subscribe
    from omnicanal.orders.tests.conftest import make_customer
    from omnicanal.storefront.auth import COOKIE

    make_shop()
    ana = make_customer()
    sub = subscribe(ana)
    phone.context.add_cookies([{"name": COOKIE, "value": token_for(ana), "url": live_server.url}])
    phone.goto(f"{live_server.url}{PAGE}")
    phone.locator(".subscription-change summary").click()
    assert axe(phone) == []
    phone.get_by_label("Añadir un producto").select_option("GEL-2")
    phone.get_by_label("Unidades a añadir").fill("2")
    phone.locator("button[value=change]").click()
    phone.wait_for_selector(".notice")
    assert lines_of(sub) == [("GEL-1", 4), ("GEL-2", 2)]
    phone.locator(".subscription-change summary").click()
    phone.get_by_label("Quitar Gel Maratón").check()
    phone.locator("button[value=change]").click()
    phone.wait_for_selector(".notice")
    assert lines_of(sub) == [("GEL-2", 2)]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(phone) == []

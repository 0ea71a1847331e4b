"""The business's own rules are settings or fields of the models they belong to (issue 14, item 5):
the order-number prefix is a setting; a category's return window is a field of the category, with
the business's default a setting."""

import datetime as dt

import pytest

from omnicanal.catalog.models import Category
from omnicanal.core import clock
from omnicanal.orders import queries
from omnicanal.orders.services import PROMISE_DAYS
from omnicanal.orders.tests.helpers import place
from omnicanal.orders.tests.test_returns import delivered_web_order

pytestmark = pytest.mark.django_db

# A return's window counts from the order's placement plus the longest delivery promise.
GRACE = PROMISE_DAYS["drop_ship"]


def _return_shoe(api, order):
    return api.post("/returns", {"order_id": order["id"], "location": "SCL",
                                 "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "changed my mind"}]})


def test_the_order_number_prefix_is_the_businesss_setting(api, settings, customer_id):
    # given a business whose order numbers start with "ZZ-"
    settings.OMNICANAL = {**settings.OMNICANAL, "ORDER_NUMBER_PREFIX": "ZZ-"}
    # when an order is placed
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    # then its number carries the prefix, and the number finds the order
    assert order["number"].startswith("ZZ-"), order["number"]
    assert queries.get_order(order["number"]).public_id == order["id"]
    assert api.get(f"/orders/{order['number']}").json()["id"] == order["id"]


def test_a_categorys_own_return_window_decides_whether_a_return_is_accepted(api, client, customer_id):
    # given shoes whose category gives 5 days to return them
    Category.objects.filter(slug="zapatillas").update(return_window_days=5)
    order = delivered_web_order(api, client, customer_id)
    # when the customer comes back 7 days (plus the delivery promise) later
    with clock.frozen(clock.now() + dt.timedelta(days=GRACE + 7)):
        late = _return_shoe(api, order)
    # then the category's window has closed, though the business's default (30 days) has not
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "lines.0.sku"
    assert " 5 " in late.json()["errors"][0]["message"]  # "… 5 días …" (the API answers in Spanish)
    # and within the category's window the same return is accepted
    Category.objects.filter(slug="zapatillas").update(return_window_days=10)
    with clock.frozen(clock.now() + dt.timedelta(days=GRACE + 7)):
        assert _return_shoe(api, order).status_code == 201


def test_a_category_without_a_window_takes_the_businesss_default(api, client, settings, customer_id):
    # given a business whose default window is 3 days, and shoes whose category sets none
    settings.OMNICANAL = {**settings.OMNICANAL, "RETURN_WINDOW_DAYS": 3}
    assert Category.objects.get(slug="zapatillas").return_window_days is None
    order = delivered_web_order(api, client, customer_id)
    # when the customer comes back 4 days (plus the delivery promise) later
    with clock.frozen(clock.now() + dt.timedelta(days=GRACE + 4)):
        r = _return_shoe(api, order)
    # then the default window has closed
    assert r.status_code == 422 and " 3 " in r.json()["errors"][0]["message"]


def test_the_cities_an_address_may_name_are_the_businesss_setting(settings):
    from omnicanal.orders import sourcing

    # given a business that delivers to a town the default list does not know
    assert sourcing.address_point({"city": "Pucón"}) is None
    settings.OMNICANAL = {**settings.OMNICANAL, "CITY_POINTS": {"pucón": (-39.2823, -71.9545)}}
    # when an address names it without coordinates
    point = sourcing.address_point({"line1": "O'Higgins 100", "city": " Pucón ", "country": "CL"})
    # then it is placed there, and the towns no longer listed are not
    assert point == (-39.2823, -71.9545)
    assert sourcing.address_point({"city": "Santiago"}) is None


def test_returnable_lines_offer_what_the_return_service_accepts_until_the_window_closes(api, client, customer_id):
    # given two delivered shoes whose category gives 5 days, one of them in a return still requested
    Category.objects.filter(slug="zapatillas").update(return_window_days=5)
    order = delivered_web_order(api, client, customer_id)
    assert _return_shoe(api, order).status_code == 201
    placed = queries.get_order(order["id"])

    [line] = queries.returnable_lines(placed)

    # then one unit is left to return, until 5 days plus the delivery promise after the order
    assert (line.sku, line.handed, line.returnable) == ("SHOE-41", 2, 1)
    assert line.closes_at == placed.placed_at + dt.timedelta(days=5 + GRACE) and line.open
    with clock.frozen(line.closes_at + dt.timedelta(seconds=1)):
        assert not line.open
        assert _return_shoe(api, order).status_code == 422  # the service refuses exactly then
    assert _return_shoe(api, order).status_code == 201
    assert queries.returnable_lines(queries.get_order(order["id"]))[0].returnable == 0


def test_returnable_lines_leave_out_what_never_reached_the_customer(api, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()

    assert queries.returnable_lines(queries.get_order(order["id"])) == []

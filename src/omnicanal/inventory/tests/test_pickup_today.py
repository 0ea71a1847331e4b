"""The shop's "pickup today at <store>": which SKUs a pickup location can hand over today."""

import datetime as dt

import pytest

from omnicanal.inventory import queries

from .conftest import WEDNESDAY_AFTERNOON, receive, reserve

pytestmark = pytest.mark.django_db

# The same Wednesday at 21:30 in Santiago: the stores closed at 20:00.
WEDNESDAY_NIGHT = dt.datetime(2026, 1, 15, 0, 30, tzinfo=dt.UTC)
# 08:00 in Santiago: closed now, opens at 10:00, so still "today".
WEDNESDAY_MORNING = dt.datetime(2026, 1, 14, 11, 0, tzinfo=dt.UTC)


def test_the_skus_a_store_has_free_beyond_the_channels_safety_stock(chain):
    receive(chain["SCL"], **{"SHOE-40": 2, "SHOE-41": 1})  # the web keeps one of each for walk-ins
    receive(chain["WH"], **{"SHOE-42": 5})
    today = queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON)
    assert today.open_today and today.name == "Tienda SCL"
    assert today.skus == frozenset({"SHOE-40"})
    assert queries.pickup_today(channel="pos", location="SCL", at=WEDNESDAY_AFTERNOON).skus == {"SHOE-40", "SHOE-41"}


def test_reserved_units_are_not_offered(chain):
    receive(chain["SCL"], **{"SHOE-40": 2})
    reserve("ord_1", ("SHOE-40", 1), locations=["SCL"])
    assert queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON).skus == frozenset()


def test_a_store_closed_for_the_rest_of_its_day_offers_nothing(chain):
    receive(chain["SCL"], **{"SHOE-40": 5})
    night = queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_NIGHT)
    assert not night.open_today and night.skus == frozenset()
    morning = queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_MORNING)
    assert morning.open_today and morning.skus == {"SHOE-40"}


def test_only_pickup_locations_of_the_channel(chain):
    assert queries.pickup_today(channel="web", location="WH", at=WEDNESDAY_AFTERNOON) is None
    assert queries.pickup_today(channel="web", location="NOPE", at=WEDNESDAY_AFTERNOON) is None
    assert [loc.code for loc in queries.pickup_locations(channel="web")] == ["LOCK", "SCL", "VAP"]  # by name: Locker, Tienda…
    assert all(loc.pickup for loc in queries.pickup_locations(channel="web"))

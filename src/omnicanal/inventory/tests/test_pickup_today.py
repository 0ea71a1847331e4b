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


def _selected(pickup) -> set[str]:
    """The SKUs of the variants a PickupFilter's SQL selects (as the catalog's search runs it)."""
    from django.db import connection

    from omnicanal.catalog.models import Variant

    with connection.cursor() as cursor:
        cursor.execute(pickup.variants.sql, list(pickup.variants.params))
        ids = [pk for (pk,) in cursor.fetchall()]
    return set(Variant.objects.filter(pk__in=ids).values_list("sku", flat=True))


def test_the_shops_filter_selects_what_pickup_today_lists(chain):
    receive(chain["SCL"], **{"SHOE-40": 4, "SHOE-41": 1})  # SHOE-41: the web's walk-in unit only
    receive(chain["VAP"], **{"SHOE-42": 5})  # another store's stock
    reserve("ord_1", ("SHOE-40", 2), locations=["SCL"])
    for channel in ("web", "pos"):
        today = queries.pickup_today(channel=channel, location="SCL", at=WEDNESDAY_AFTERNOON)
        found = queries.pickup_filter(channel=channel, location="SCL", at=WEDNESDAY_AFTERNOON)
        assert (found.code, found.name, found.open_today) == (today.code, today.name, today.open_today)
        assert _selected(found) == set(today.skus)
    assert _selected(queries.pickup_filter(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON)) == {"SHOE-40"}
    reserve("ord_2", ("SHOE-40", 1), locations=["SCL"])  # the last free unit: none left, at once
    assert _selected(queries.pickup_filter(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON)) == set()


def test_the_shops_filter_passes_nothing_when_closed_and_is_none_off_the_channel(chain):
    receive(chain["SCL"], **{"SHOE-40": 5})
    night = queries.pickup_filter(channel="web", location="SCL", at=WEDNESDAY_NIGHT)
    assert not night.open_today and night.variants is None
    assert queries.pickup_filter(channel="web", location="WH", at=WEDNESDAY_AFTERNOON) is None
    assert queries.pickup_filter(channel="web", location="NOPE", at=WEDNESDAY_AFTERNOON) is None


def test_the_stores_place_is_held_but_a_holiday_or_a_pickup_link_removed_shows_at_once(chain):
    from omnicanal.inventory import services

    receive(chain["SCL"], **{"SHOE-40": 2})
    assert queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON).open_today  # now held
    services.do_set_holiday(location=chain["SCL"], date=dt.date(2026, 1, 14), name="Feriado")
    closed = queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON)
    assert not closed.open_today and closed.skus == frozenset()
    assert queries.pickup_filter(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON).variants is None
    services.do_remove_holiday(location=chain["SCL"], date=dt.date(2026, 1, 14))
    assert queries.pickup_today(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON).skus == {"SHOE-40"}
    services.do_link_channel(location=chain["SCL"], channel="web", pickup=False)
    assert queries.pickup_filter(channel="web", location="SCL", at=WEDNESDAY_AFTERNOON) is None

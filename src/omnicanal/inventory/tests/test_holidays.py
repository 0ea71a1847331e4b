"""Holidays and special hours: the hours rule every customer-facing reading of hours goes through."""

import datetime as dt

import pytest

from omnicanal.core.errors import ValidationFailed
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import LocationHoliday

from .conftest import receive

pytestmark = pytest.mark.django_db

# Christmas Day 2026 is a Friday: 12:00 in Santiago (UTC-3 in summer), a weekday the stores open 10-20.
CHRISTMAS_NOON = dt.datetime(2026, 12, 25, 15, 0, tzinfo=dt.UTC)
CHRISTMAS_EVE_NOON = dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC)
CHRISTMAS_EVE_EVENING = dt.datetime(2026, 12, 24, 20, 0, tzinfo=dt.UTC)  # 17:00 local


def _holidays(store):
    services.do_set_holiday(location=store, date=dt.date(2026, 12, 25), name="Navidad")
    services.do_set_holiday(location=store, date=dt.date(2026, 12, 24), name="Nochebuena", closed=False,
                            opens=dt.time(10), closes=dt.time(16))


def test_today_closed_on_a_holiday(chain):
    _holidays(chain["SCL"])
    receive(chain["SCL"], **{"SHOE-40": 5})
    hours = queries.store_hours_of("SCL", at=CHRISTMAS_NOON)
    assert not hours.open_now and hours.hours_today == "" and hours.holiday_today == "Navidad"
    assert hours.exceptions[0] == queries.HoursException(date=dt.date(2026, 12, 25), name="Navidad", closed=True)
    today = queries.pickup_today(channel="web", location="SCL", at=CHRISTMAS_NOON)
    assert not today.open_today and today.skus == frozenset()
    place = queries.availability(sku="SHOE-40", channel="web", at=CHRISTMAS_NOON).locations[0]
    assert place.code == "SCL" and not place.open_now and not place.pickup_today
    # the other store, without the holiday, is open as on any Friday
    assert queries.store_hours_of("VAP", at=CHRISTMAS_NOON).open_now


def test_special_hours_replace_the_weeks(chain):
    _holidays(chain["SCL"])
    noon = queries.store_hours_of("SCL", at=CHRISTMAS_EVE_NOON)
    assert noon.open_now and noon.hours_today == "10:00–16:00" and noon.holiday_today == "Nochebuena"
    evening = queries.store_hours_of("SCL", at=CHRISTMAS_EVE_EVENING)  # 17:00: open until 20 on a normal Thursday
    assert not evening.open_now
    assert not queries.pickup_today(channel="web", location="SCL", at=CHRISTMAS_EVE_EVENING).open_today


def test_the_next_days_exceptions_are_told_ahead_and_past_ones_are_not(chain):
    _holidays(chain["SCL"])
    services.do_set_holiday(location=chain["SCL"], date=dt.date(2027, 1, 1), name="Año Nuevo")
    week_before = queries.store_hours_of("SCL", at=CHRISTMAS_EVE_NOON - dt.timedelta(days=5))
    assert [e.name for e in week_before.exceptions] == ["Nochebuena", "Navidad"]  # 1 Jan is beyond the week
    assert week_before.exceptions[0].hours == "10:00–16:00" and not week_before.exceptions[0].closed
    after = queries.store_hours_of("SCL", at=CHRISTMAS_NOON + dt.timedelta(days=1))
    assert [e.name for e in after.exceptions] == ["Año Nuevo"]


def test_setting_a_date_again_replaces_it_and_bad_hours_are_refused(chain):
    _holidays(chain["SCL"])
    services.do_set_holiday(location=chain["SCL"], date=dt.date(2026, 12, 25), name="Navidad", closed=False,
                            opens=dt.time(12), closes=dt.time(18))
    assert LocationHoliday.objects.filter(location=chain["SCL"]).count() == 2
    assert queries.store_hours_of("SCL", at=CHRISTMAS_NOON).hours_today == "12:00–18:00"
    with pytest.raises(ValidationFailed):
        services.do_set_holiday(location=chain["SCL"], date=dt.date(2026, 9, 18), name="Fiestas", closed=False,
                                opens=dt.time(18), closes=dt.time(12))
    with pytest.raises(ValidationFailed):
        services.do_set_holiday(location=chain["SCL"], date=dt.date(2026, 9, 18), name="", closed=True)
    services.do_remove_holiday(location=chain["SCL"], date=dt.date(2026, 12, 25))
    assert queries.store_hours_of("SCL", at=CHRISTMAS_NOON).open_now


def test_a_manager_edits_holidays_on_the_locations_page(chain, client):
    from omnicanal.core.services import do_create_staff_user

    do_create_staff_user(username="gerente", password="secret-pass", role="manager")
    client.login(username="gerente", password="secret-pass")
    answer = client.post("/console/inventory/locations/holidays/", {
        "location": "SCL", "date": "2026-12-25", "name": "Navidad", "closed": "on"})
    assert answer.status_code == 302
    page = client.get("/console/inventory/locations/").content.decode()
    assert 'data-holiday="SCL 2026-12-25"' in page and "Navidad" in page
    refused = client.post("/console/inventory/locations/holidays/", {
        "location": "SCL", "date": "2026-12-24", "name": "Nochebuena", "opens": "16:00", "closes": "10:00"})
    assert refused.status_code == 200 and not LocationHoliday.objects.filter(date=dt.date(2026, 12, 24)).exists()
    client.post("/console/inventory/locations/holidays/", {"location": "SCL", "date": "2026-12-25", "remove": "1"})
    assert not LocationHoliday.objects.exists()


def test_a_clerk_may_not_edit_holidays(chain, client):
    from omnicanal.core.services import do_create_staff_user

    do_create_staff_user(username="vendedor", password="secret-pass", role="store_staff", locations=["SCL"])
    client.login(username="vendedor", password="secret-pass")
    answer = client.post("/console/inventory/locations/holidays/", {
        "location": "SCL", "date": "2026-12-25", "name": "Navidad", "closed": "on"})
    assert answer.status_code == 403 and not LocationHoliday.objects.exists()

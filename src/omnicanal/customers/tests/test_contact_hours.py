"""The contact window's rule (customers.contact_hours): quiet hours wrapping midnight, the customer's
own contact hours, and when a held message may go — on summer and winter days in Santiago."""

import datetime as dt

import pytest

from omnicanal.customers import contact_hours

SANTIAGO = "America/Santiago"


def window(contact_from=None, contact_to=None, zone=SANTIAGO):
    return contact_hours.Window(zone=zone, quiet_from=dt.time(21), quiet_to=dt.time(9),
                                contact_from=contact_from, contact_to=contact_to)


@pytest.mark.database_free
@pytest.mark.parametrize(("at", "opens"), [
    # summer (UTC-3): 22:30 local → 09:00 local = 12:00 UTC
    (dt.datetime(2027, 1, 15, 1, 30, tzinfo=dt.UTC), dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)),
    # winter (UTC-4): 22:30 local → 09:00 local = 13:00 UTC
    (dt.datetime(2027, 7, 15, 2, 30, tzinfo=dt.UTC), dt.datetime(2027, 7, 15, 13, 0, tzinfo=dt.UTC)),
    # the night Chile moves its clocks back (first Sunday of April 2027, 00:00 → 23:00 the day before)
    (dt.datetime(2027, 4, 4, 2, 30, tzinfo=dt.UTC), dt.datetime(2027, 4, 4, 13, 0, tzinfo=dt.UTC)),
], ids=["summer", "winter", "clocks-back"])
def test_a_night_message_waits_for_nine_local(at, opens):
    assert not contact_hours.is_open(window(), at)
    assert contact_hours.next_open(window(), at) == opens


@pytest.mark.database_free
def test_open_hours_are_open_and_contact_hours_narrow_them():
    afternoon = dt.datetime(2027, 1, 15, 18, 0, tzinfo=dt.UTC)  # 15:00 in Santiago
    assert contact_hours.is_open(window(), afternoon)
    evening_only = window(dt.time(18), dt.time(20))
    assert not contact_hours.is_open(evening_only, afternoon)
    assert contact_hours.next_open(evening_only, afternoon) == dt.datetime(2027, 1, 15, 21, 0, tzinfo=dt.UTC)


@pytest.mark.database_free
def test_contact_hours_inside_the_quiet_hours_never_open_and_are_asked_again_a_day_later():
    night_owl = window(dt.time(22), dt.time(23))
    at = dt.datetime(2027, 1, 15, 18, 0, tzinfo=dt.UTC)
    assert contact_hours.next_open(night_owl, at) == at + dt.timedelta(days=1)


@pytest.mark.database_free
def test_the_setting_may_turn_quiet_hours_off(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "QUIET_HOURS": None}
    assert contact_hours.quiet_hours() is None
    settings.OMNICANAL = {**settings.OMNICANAL, "QUIET_HOURS": ("22:00", "08:30")}
    assert contact_hours.quiet_hours() == (dt.time(22), dt.time(8, 30))

"""One type for opening hours and business hours: core.hours reads both stored forms the same way."""

import datetime as dt

import pytest

from omnicanal.core import hours
from omnicanal.core.errors import ValidationFailed

TEXT = {"mon-fri": "09:00-18:00", "sat": "10:00-14:00,16:00-20:00", "sun": "closed"}
PAIRS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": [["16:00", "20:00"], ["10:00", "14:00"]]}
SANTIAGO = "America/Santiago"


def test_a_location_and_a_team_with_the_same_hours_are_the_same_week():
    # given the same hours written as a location stores them and as a team stores them
    # when both are parsed
    # then they are one week, spans in order, Sunday closed
    assert hours.parse(TEXT) == hours.parse(PAIRS)
    assert hours.parse(PAIRS)[5] == ((dt.time(10), dt.time(14)), (dt.time(16), dt.time(20)))
    assert hours.parse(TEXT)[6] == ()


def test_open_and_due_times_agree_whatever_the_form():
    # given Friday 17:30 in Santiago (UTC-3 in March)
    friday_1730 = dt.datetime(2026, 3, 6, 20, 30, tzinfo=dt.UTC)
    # when a location asks if it is open and a team adds 60 business minutes
    # then both read the week the same: open now, due on Saturday 10:30 local
    for form in (TEXT, PAIRS):
        assert hours.is_open(form, SANTIAGO, friday_1730)
        assert hours.add_business_minutes(friday_1730, 60, form, SANTIAGO) == dt.datetime(2026, 3, 7, 13, 30,
                                                                                           tzinfo=dt.UTC)
    # and what "no hours" means stays the caller's: a place never open, a team always
    assert not hours.is_open({}, SANTIAGO, friday_1730)
    assert hours.is_open_or_always({}, SANTIAGO, friday_1730)


@pytest.mark.parametrize("bad", [{"mon": "9-18"}, {"mon": [["18:00", "09:00"]]}, {"funday": "09:00-18:00"},
                                 {"mon": [["09:00"]]}, {"mon": 9}, ["mon"]])
def test_a_malformed_schedule_is_a_field_error(bad):
    # when a schedule is malformed, then it is a 422 on the field the caller names
    with pytest.raises(ValidationFailed) as caught:
        hours.parse(bad, field="business_hours")
    assert caught.value.errors[0].field == "business_hours"

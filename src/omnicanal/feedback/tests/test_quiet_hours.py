"""Quiet and contact hours for due surveys and review requests: the worker holds one that falls in
the customer's quiet hours (or outside their own contact hours) until they end, in their time zone,
else the store's, else the business's (Santiago: UTC-3 in summer, UTC-4 in winter). Customers own
the rule (customers.queries.quiet_until); marketing reads the same one."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.feedback.models import DueSend, SurveySend
from omnicanal.feedback.services import triggers
from omnicanal.feedback.tests.test_delivery import grant
from omnicanal.feedback.tests.test_surveys import make_survey
from omnicanal.feedback.tests.test_triggers import run_worker, trigger

from .conftest import place

SUMMER_NIGHT = dt.datetime(2027, 1, 15, 1, 30, tzinfo=dt.UTC)  # 22:30 on the 14th in Santiago (UTC-3)
SUMMER_MORNING = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)  # 09:00 in Santiago
WINTER_NIGHT = dt.datetime(2027, 7, 15, 1, 30, tzinfo=dt.UTC)  # 21:30 on the 14th in Santiago (UTC-4)
WINTER_MORNING = dt.datetime(2027, 7, 15, 13, 0, tzinfo=dt.UTC)  # 09:00 in Santiago


@pytest.fixture(autouse=True)
def quiet_hours(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "QUIET_HOURS": ("21:00", "09:00")}


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def due_survey(api, customer_id, at, *, store="SCL"):
    survey_id = make_survey(api)
    trigger(api, survey_id, event="picked_up", delay_hours=0)
    with transaction.atomic():
        triggers.do_schedule_for_event(event="picked_up", customer_id=customer_id, ref=f"ful_{at:%m%d%H}", at=at,
                                       facts=triggers.Facts(channel="web", store=store))
    return DueSend.objects.get(kind="survey", customer_id=customer_id)


@pytest.mark.parametrize(("night", "morning"), [(SUMMER_NIGHT, SUMMER_MORNING), (WINTER_NIGHT, WINTER_MORNING)],
                         ids=["summer", "winter"])
def test_a_due_survey_at_night_is_held_until_nine_local_then_sent(ana, api, commits, night, morning):
    grant(ana, "email")
    due = due_survey(api, ana, night)
    run_worker(night, commits)
    due.refresh_from_db()
    assert (due.status, due.reason, due.due_at) == ("pending", "quiet_hours", morning)
    assert SurveySend.objects.count() == 0
    # a minute before the quiet hours end: still nothing
    assert run_worker(morning - dt.timedelta(minutes=1), commits) == 0
    run_worker(morning, commits)
    due.refresh_from_db()
    send = SurveySend.objects.get(public_id=due.send_id)
    assert due.status == "sent" and send.delivery == "delivered" and send.channel == "email"


def test_the_same_utc_instant_is_open_in_summer_and_quiet_in_winter(ana, api, commits):
    """00:30 UTC is 21:30 in Santiago in summer (UTC-3) and 20:30 in winter (UTC-4)."""
    grant(ana, "email")
    summer = dt.datetime(2027, 1, 15, 0, 30, tzinfo=dt.UTC)  # 21:30 in Santiago: quiet
    winter = dt.datetime(2027, 7, 15, 0, 30, tzinfo=dt.UTC)  # 20:30 in Santiago: open
    from omnicanal.customers import queries as customers

    assert customers.quiet_until(ana, summer) == SUMMER_MORNING
    assert customers.quiet_until(ana, winter) is None
    due = due_survey(api, ana, winter)
    run_worker(winter, commits)
    due.refresh_from_db()
    assert due.status == "sent"


def test_the_stores_zone_counts_when_the_customer_has_none(ana, api, commits):
    from omnicanal.inventory.models import Location

    Location.objects.filter(code="VAP").update(timezone="America/Punta_Arenas")  # UTC-3 all year
    grant(ana, "email")
    winter = dt.datetime(2027, 7, 15, 0, 30, tzinfo=dt.UTC)  # 20:30 in Santiago, 21:30 in Punta Arenas
    due = due_survey(api, ana, winter, store="VAP")
    run_worker(winter, commits)
    due.refresh_from_db()
    assert (due.status, due.reason) == ("pending", "quiet_hours")
    assert due.due_at == dt.datetime(2027, 7, 15, 12, 0, tzinfo=dt.UTC)  # 09:00 in Punta Arenas


def test_her_own_zone_and_contact_hours_come_first(ana, api, commits):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_update_preferences(customer_id=ana, time_zone="Europe/Madrid", contact_from="18:00",
                                        contact_to="20:00")
    grant(ana, "email")
    noon = dt.datetime(2027, 1, 15, 15, 0, tzinfo=dt.UTC)  # 12:00 in Santiago, 16:00 in Madrid
    due = due_survey(api, ana, noon)
    run_worker(noon, commits)
    due.refresh_from_db()
    assert (due.status, due.reason) == ("pending", "quiet_hours")
    assert due.due_at == dt.datetime(2027, 1, 15, 17, 0, tzinfo=dt.UTC)  # 18:00 in Madrid (UTC+1)


def test_a_review_request_at_night_waits_for_the_morning(ana, commits):
    grant(ana, "email")
    with clock.frozen(SUMMER_NIGHT - dt.timedelta(days=14)), commits():
        place(ana)
    [due] = DueSend.objects.filter(kind="review_request")
    run_worker(SUMMER_NIGHT, commits)
    due.refresh_from_db()
    assert (due.status, due.reason, due.due_at) == ("pending", "quiet_hours", SUMMER_MORNING)
    run_worker(SUMMER_MORNING, commits)
    due.refresh_from_db()
    assert (due.status, due.channel) == ("sent", "email")

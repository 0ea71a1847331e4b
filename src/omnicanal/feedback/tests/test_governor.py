"""The fatigue governor (docs/feedback.md): a customer is asked for their opinion at most once per two
of their interaction periods, never twice in a week, whatever the number of triggers; the inbox's
CSAT question spends the same budget."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations import services as conversations
from omnicanal.core import clock
from omnicanal.feedback import governor, queries
from omnicanal.feedback.services import budget

START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
CUSTOMER = "cus_testgovernor"


def interacts_every(days: int, *, customer_id: str = CUSTOMER, since: int = 180, until: int = 0) -> None:
    """Interactions every `days` from `since` days before START to `until` days after it."""
    for n, offset in enumerate(range(-since, until + 1, days)):
        budget.do_record_interaction(customer_id=customer_id, kind="order", ref=f"{customer_id}-{n}-{offset}",
                                     at=START + dt.timedelta(days=offset))


def triggers(*, days: int, per_day: int, customer_id: str = CUSTOMER) -> list[dt.datetime]:
    """Every day for `days`, `per_day` triggers (a pickup, a ticket solved, a campaign) try to send a
    survey; the moments a send was allowed."""
    sent = []
    for day in range(days):
        for k in range(per_day):
            at = START + dt.timedelta(days=day, hours=k)
            with clock.frozen(at), transaction.atomic():
                if budget.do_claim_contact(customer_id=customer_id, kind="survey", ref=f"{day}-{k}").eligible:
                    sent.append(at)
    return sent


def test_a_monthly_customer_gets_one_survey_in_two_months_whatever_the_triggers(db):
    # given a customer who has interacted once a month for half a year, and keeps doing so
    interacts_every(30, until=120)
    # when three triggers a day ask to survey them for four months
    sent = triggers(days=120, per_day=3)
    # then they were asked once in each two months
    assert len(sent) == 2 and (sent[1] - sent[0]).days == 60
    assert queries.eligibility(CUSTOMER, at=START).interactions_per_month == pytest.approx(1.0, abs=0.05)


def test_a_weekly_customer_is_asked_more_often_but_never_twice_in_a_week(db):
    interacts_every(7, until=60)
    sent = triggers(days=60, per_day=2)
    assert len(sent) >= 3  # more often than a monthly customer (1 in 60 days)
    assert min((b - a) for a, b in zip(sent, sent[1:], strict=False)) >= dt.timedelta(days=7)


def test_a_daily_customer_is_held_to_the_floor_of_a_week(db):
    interacts_every(1, until=28)
    sent = triggers(days=28, per_day=4)
    assert len(sent) == 4
    assert all((b - a) >= dt.timedelta(days=7) for a, b in zip(sent, sent[1:], strict=False))


def test_floor_and_ceiling_come_from_settings_and_the_floor_is_never_under_a_week(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "FEEDBACK": {"SURVEY_MIN_DAYS": 3, "SURVEY_MAX_DAYS": 90}}
    assert governor.interval_days(100.0) == 7  # never two in a week, whatever the setting
    assert governor.interval_days(0.0) == 90  # never interacted: the ceiling
    assert governor.interval_days(0.2) == 90  # once in five months: 300 days, capped
    settings.OMNICANAL = {**settings.OMNICANAL, "FEEDBACK": {"SURVEY_MIN_DAYS": 14}}
    assert governor.interval_days(100.0) == 14


def test_the_answer_explains_when_and_why(db):
    interacts_every(30)
    with clock.frozen(START), transaction.atomic():
        assert budget.do_claim_contact(customer_id=CUSTOMER, kind="survey", ref="first").eligible
    later = queries.eligibility(CUSTOMER, at=START + dt.timedelta(days=10))
    assert not later.eligible and later.reason == "too_soon"
    assert 50 <= later.interval_days <= 70  # about two months (the rate is measured again at each moment)
    assert later.next_eligible_at == START + dt.timedelta(days=later.interval_days)


def _resolved_conversation(receive, actor, value):
    conversation = receive("Hola", channel="telegram", value=value).conversation
    conversations.do_resolve(conversation=conversation, actor=actor)
    return conversation


def test_the_inbox_csat_counts_against_the_same_budget(receive, actor):
    # given a customer the inbox just asked how it went
    first = _resolved_conversation(receive, actor, "5120934871")
    assert conversations.do_ask_csat(conversation=first) is not None
    customer_id = first.customer_id
    # then no survey may be sent to them now
    with transaction.atomic():
        assert not budget.do_claim_contact(customer_id=customer_id, kind="survey", ref="after-csat").eligible
    assert queries.eligibility(customer_id).reason == "too_soon"


def test_a_survey_sent_holds_back_the_inbox_csat(receive, actor):
    conversation = receive("Hola", channel="telegram", value="5120934872").conversation
    with transaction.atomic():
        assert budget.do_claim_contact(customer_id=conversation.customer_id, kind="survey", ref="s1").eligible
    conversations.do_resolve(conversation=conversation, actor=actor)
    assert conversations.do_ask_csat(conversation=conversation) is None


def test_interactions_are_tallied_from_orders_and_conversations(ana, receive, django_capture_on_commit_callbacks):
    from omnicanal.feedback.models import Interaction
    from omnicanal.feedback.tests.conftest import place

    with django_capture_on_commit_callbacks(execute=True):
        place(ana)
        receive("Hola", channel="whatsapp", value="+56987654321")
    kinds = sorted(Interaction.objects.filter(customer_id=ana).values_list("kind", flat=True))
    assert kinds == ["conversation", "order"]

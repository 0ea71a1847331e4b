"""The demo's tickets tell the truth about their SLA (issue 22): due times follow the policy in the
team's business hours from when the customer wrote, and a timer is breached exactly when its due
time has passed, whatever day the demo is loaded.

The customers' demo, which the conversations' one reads, is loaded once for the module (core/testing_db.py,
SharedRows), at the first test's instant: its rows are times relative to the load (oldest first, in
the same order whatever the day), and what the conversations' demo reads of them (names, channels)
does not depend on the day. Each test loads the conversations at its own instant."""

import datetime as dt
import random
import sys

import pytest
from django.db import transaction

from omnicanal.conversations import demo as conversations_demo
from omnicanal.conversations.models import Ticket
from omnicanal.conversations.services import sla_deadline
from omnicanal.core import clock
from omnicanal.core.testing_db import SharedRows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customers")]
TIMERS = ("first_response", "next_response", "resolution")


SUNDAY_NOON = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)  # 12:00 in Santiago; the team opens Monday 09:00


def _load_customers() -> None:
    from omnicanal.customers import demo as customers_demo

    with clock.frozen(SUNDAY_NOON), transaction.atomic():
        customers_demo.load(seed=2026, rng=random.Random("2026:customers"), out=sys.stdout)


@pytest.fixture(scope="module")
def _customers(django_db_setup, django_db_blocker):
    yield from SharedRows(django_db_blocker).around(_load_customers)


@pytest.fixture
def customers(db, _customers):
    """The customers' demo, loaded once for the module."""


def load_at(instant):
    with clock.frozen(instant), transaction.atomic():
        conversations_demo.load(seed=2026, rng=random.Random("2026:conversations"), out=sys.stdout)
    return list(Ticket.objects.filter(status="open").select_related("conversation", "policy", "team"))


def test_loaded_on_a_sunday_no_ticket_is_breached_while_the_team_is_closed():
    sunday_noon = SUNDAY_NOON
    tickets = load_at(sunday_noon)
    assert tickets
    monday_nine = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    for ticket in tickets:
        assert ticket.breached == [], ticket.display_number
        dues = [getattr(ticket, f"{t}_due") for t in TIMERS if getattr(ticket, f"{t}_due")]
        assert dues and all(due > monday_nine for due in dues)


def test_loaded_on_a_weekday_a_timer_is_breached_exactly_when_its_due_time_has_passed():
    tuesday_afternoon = dt.datetime(2026, 12, 8, 18, 0, tzinfo=dt.UTC)  # 15:00 in Santiago
    tickets = load_at(tuesday_afternoon)
    assert tickets
    for ticket in tickets:
        conversation = ticket.conversation
        if ticket.first_response_due is not None:
            assert ticket.first_response_due == sla_deadline(conversation.waiting_since,
                                                             ticket.policy.first_response_minutes, ticket.policy,
                                                             ticket.team)
        for timer in TIMERS:
            due = getattr(ticket, f"{timer}_due")
            assert (timer in ticket.breached) == (due is not None and due <= tuesday_afternoon), ticket.display_number
        assert ticket.resolution_due > ticket.created_at

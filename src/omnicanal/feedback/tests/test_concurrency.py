"""A reward is granted exactly once per completed response, also when the last answer arrives many
times at once from several processes (PostgreSQL)."""

import pytest
from django.db import transaction

from omnicanal.core.testing import run_in_processes
from omnicanal.feedback.models import SurveySend
from omnicanal.feedback.services import surveys
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.models import Transfer
from omnicanal.loyalty.services import program
from omnicanal.orders.tests.conftest import make_customer, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

QUESTIONS = [
    {"id": "nps", "kind": "scale", "min": 0, "max": 10, "text": {"es": "¿Nos recomendarías?", "en": "Recommend us?"}},
    {"id": "canal", "kind": "single", "text": {"es": "¿Dónde?", "en": "Where?"},
     "options": [{"value": "web", "es": "Web", "en": "Web"}, {"value": "tienda", "es": "Tienda", "en": "Store"}]},
]


def test_the_reward_is_granted_once_when_8_processes_complete_the_same_response(issue_key):
    # given a customer half-way through a survey rewarded with 300 points
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        program.do_add_rule(kind="activity", name="Encuesta", activity="survey", reward=300)
        survey = surveys.do_create_survey(name="Postventa", kind="custom", questions=QUESTIONS, reward_kind="points",
                                          reward_value=300)
        sent = surveys.do_send_survey(survey_id=survey.public_id, customer_id=customer_id)
        surveys.do_answer(send_id=sent.public_id, answers={"nps": 8})
    auth = issue_key("marketer")["HTTP_AUTHORIZATION"]
    # when 8 processes (4 through the service, 4 through the API) send the last answer 5 times each
    results = run_in_processes("omnicanal.feedback.tests.workers:complete_survey",
                               [(sent.public_id, i, 5, auth if i >= 4 else None) for i in range(8)])
    # then exactly one completed it, the 39 others were refused, and 300 points were earned once
    assert sum(r["completed"] for r in results) == 1
    assert sum(r["refused"] for r in results) == 39
    assert [r["other"] for r in results] == [[]] * 8
    assert SurveySend.objects.get().status == "completed"
    assert loyalty.summary(customer_id).points == 300
    assert Transfer.objects.filter(reference=sent.public_id).count() == 1


def test_four_workers_running_the_due_sends_at_once_send_each_customer_one_survey():
    # given 10 customers, each with two surveys due now (two triggers of one event)
    import datetime as dt

    from omnicanal.core import clock
    from omnicanal.feedback.models import DueSend, DueStatus, SurveyContact
    from omnicanal.feedback.services import triggers

    make_world()
    people = [make_customer(phone=f"+5698000{i:04d}", name=f"Cliente {i}", email=f"c{i}@example.cl") for i in range(10)]
    # at noon in Santiago: at the real time of day the run might fall in the customers' quiet hours,
    # where the sends are held (counted, not sent); the workers freeze their clocks at the same instant
    noon = clock.now().replace(hour=15, minute=0, second=0, microsecond=0)
    with transaction.atomic(), clock.frozen(noon):
        for name in ("Uno", "Dos"):
            survey = surveys.do_create_survey(name=name, kind="csat")
            triggers.do_create_trigger(survey_id=survey.public_id, event="delivered")
        for i, customer_id in enumerate(people):
            triggers.do_schedule_for_event(event="delivered", customer_id=customer_id, ref=f"ful_{i}",
                                           at=clock.now() - dt.timedelta(minutes=1), facts=triggers.Facts())
    assert DueSend.objects.count() == 20
    # when four workers run the task at the same moment
    results = run_in_processes("omnicanal.feedback.tests.workers:run_due", [(i, noon.isoformat()) for i in range(4)])
    # then every due row was handled once: one survey per customer, the other skipped by the governor
    assert sum(results) == 20
    assert SurveySend.objects.count() == 10 and len(set(SurveySend.objects.values_list("customer_id", flat=True))) == 10
    assert DueSend.objects.filter(status=DueStatus.SKIPPED, reason="budget").count() == 10
    assert SurveyContact.objects.filter(kind="survey").count() == 10

"""Survey triggers and due sends managed (issue 17): edit and pause a trigger, cancel a waiting send —
in the services, the staff API (PATCH /survey-triggers/{id}, GET /due-sends, POST /due-sends/{id}/cancel)
and the console's pages (list, create, edit, pause; due sends with the customer, the survey, the due time
in the reader's zone and the channel; cancel one). Rights as the API's: roles.SURVEYS."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import AuditEntry
from omnicanal.feedback.models import DueSend, SurveyTrigger
from omnicanal.feedback.services import triggers
from omnicanal.feedback.tests.test_surveys import make_survey

from .test_triggers import collect, run_worker, trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _due(customer_id, survey_id, *, hours=24, key="k1", context=None):
    from omnicanal.feedback.models import Survey

    return DueSend.objects.create(kind="survey", key=key, survey=Survey.objects.get(public_id=survey_id),
                                  customer_id=customer_id, trigger="delivered:ful_1",
                                  due_at=clock.now() + dt.timedelta(hours=hours), context=context or {})


def _staff(client, role, username):
    from omnicanal.core.services import do_create_staff_user

    user = do_create_staff_user(username=username, password="secret-pass", role=role, locations=[])
    client.force_login(user)
    return user


# --- services and API ------------------------------------------------------------------------------


def test_a_paused_trigger_schedules_nothing_and_resumes(ana, api, commits):
    survey_id = make_survey(api)
    made = trigger(api, survey_id, event="picked_up", delay_hours=2)
    # paused through the API: a pickup schedules nothing
    paused = api.patch(f"/survey-triggers/{made['id']}", {"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    collect(ana, commits=commits)
    assert not DueSend.objects.filter(kind="survey").exists()
    # resumed with a new delay: the next pickup schedules at that delay
    resumed = api.patch(f"/survey-triggers/{made['id']}", {"active": True, "delay_hours": 48}).json()
    assert (resumed["active"], resumed["delay_hours"], resumed["event"]) == (True, 48, "picked_up")
    collect(ana, commits=commits)
    due = DueSend.objects.get(kind="survey")
    assert due.due_at >= clock.now() + dt.timedelta(hours=47)
    assert AuditEntry.objects.filter(action="feedback.trigger.edit", target_id=made["id"]).count() == 2


def test_a_trigger_edit_is_checked_field_by_field(api, world):
    survey_id = make_survey(api)
    made = trigger(api, survey_id, event="delivered")
    bad = api.patch(f"/survey-triggers/{made['id']}", {"event": "birthday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "event"
    assert api.patch(f"/survey-triggers/{made['id']}", {"delay_hours": 5000}).status_code == 422
    assert api.patch("/survey-triggers/stg_nope", {"active": False}).status_code == 404


def test_a_trigger_for_an_unknown_channel_or_store_is_refused_on_its_field(api, world):
    """A channel or store no order or conversation carries would make a trigger that never fires."""
    survey_id = make_survey(api)
    bad = api.post(f"/surveys/{survey_id}/triggers", {"event": "delivered", "channel": "whatsap", "store": "SCL-NADA"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"channel", "store"}
    assert not SurveyTrigger.objects.exists()
    made = trigger(api, survey_id, event="delivered")
    assert api.patch(f"/survey-triggers/{made['id']}", {"store": "SCL-NADA"}).json()["errors"][0]["field"] == "store"
    for channel in ("whatsapp", "webchat"):  # a messaging channel (a conversation's)
        assert api.patch(f"/survey-triggers/{made['id']}", {"channel": channel}).json()["channel"] == channel
    assert SurveyTrigger.objects.get().event == "delivered"


def test_a_due_send_is_listed_and_cancelled_once_and_the_worker_skips_it(ana, api, commits):
    survey_id = make_survey(api)
    due = _due(ana, survey_id, hours=1)
    listed = api.get("/due-sends").json()
    assert [(d["id"], d["customer_id"], d["survey_id"], d["status"]) for d in listed] == [
        (due.pk, ana, survey_id, "pending")]
    cancelled = api.post(f"/due-sends/{due.pk}/cancel")
    assert cancelled.status_code == 200 and (cancelled.json()["status"], cancelled.json()["reason"]) == (
        "skipped", "cancelled")
    assert api.post(f"/due-sends/{due.pk}/cancel").status_code == 409
    assert api.post("/due-sends/999999/cancel").status_code == 404
    assert api.post(f"/due-sends/{10**30}/cancel").status_code == 404
    # the worker sends nothing and the budget is untouched
    assert run_worker(clock.now() + dt.timedelta(hours=2), commits) == 0
    assert api.get(f"/customers/{ana}/surveys/eligibility").json()["reason"] == "never_asked"
    assert api.get("/due-sends?status=skipped").json()[0]["reason"] == "cancelled"
    assert api.get("/due-sends?status=later").status_code == 422


def test_an_agent_may_not_manage_triggers_or_due_sends(ana, api, issue_key):
    survey_id = make_survey(api)
    made = trigger(api, survey_id, event="delivered")
    due = _due(ana, survey_id)
    agent = api.as_(issue_key("agent"))
    assert agent.patch(f"/survey-triggers/{made['id']}", {"active": False}).status_code == 403
    assert agent.get("/due-sends").status_code == 403
    assert agent.post(f"/due-sends/{due.pk}/cancel").status_code == 403
    assert api.as_(issue_key("marketer")).post(f"/due-sends/{due.pk}/cancel").status_code == 200


# --- the console ----------------------------------------------------------------------------------


def test_a_marketer_creates_edits_and_pauses_a_trigger_in_the_console(api, client, world):
    survey_id = make_survey(api)
    _staff(client, "marketer", "mk-trg")
    page = client.get(f"/console/feedback/survey-triggers/?survey={survey_id}")
    assert page.status_code == 200 and 'data-testid="new-trigger"' in page.content.decode()
    # create
    made = client.post("/console/feedback/survey-triggers/", {"survey_id": survey_id, "event": "picked_up",
                                                               "delay_hours": "24", "store": "SCL", "curbside": "1"})
    assert made.status_code == 302
    row = SurveyTrigger.objects.get()
    assert (row.event, row.delay_hours, row.store, row.curbside, row.bot) == ("picked_up", 24, "SCL", True, False)
    listing = client.get(f"/console/feedback/survey-triggers/?survey={survey_id}").content.decode()
    assert f'data-trigger="{row.public_id}"' in listing and "Retiro completado" in listing
    # edit: another event and delay, no store
    edit = client.get(f"/console/feedback/survey-triggers/{row.public_id}/").content.decode()
    assert 'value="24"' in edit and 'data-testid="edit-trigger"' in edit
    client.post(f"/console/feedback/survey-triggers/{row.public_id}/", {"event": "delivered", "delay_hours": "72"})
    row.refresh_from_db()
    assert (row.event, row.delay_hours, row.store, row.curbside) == ("delivered", 72, "", False)
    # pause, then resume
    client.post(f"/console/feedback/survey-triggers/{row.public_id}/active/", {"active": "0"})
    row.refresh_from_db()
    assert row.active is False
    assert "Pausado" in client.get("/console/feedback/survey-triggers/").content.decode()
    client.post(f"/console/feedback/survey-triggers/{row.public_id}/active/", {"active": "1"})
    row.refresh_from_db()
    assert row.active is True


def test_a_bad_delay_is_shown_on_its_field_and_saves_nothing(api, client, world):
    survey_id = make_survey(api)
    _staff(client, "manager", "mgr-trg")
    page = client.post("/console/feedback/survey-triggers/", {"survey_id": survey_id, "event": "delivered",
                                                              "delay_hours": "muchas"}, follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-field="delay_hours"' in html and not SurveyTrigger.objects.exists()


def test_due_sends_show_customer_survey_local_time_and_channel_and_cancel(api, client, ana, world):
    survey_id = make_survey(api)
    at = dt.datetime(2031, 3, 10, 15, 30, tzinfo=dt.UTC)  # 12:30 in Santiago (summer time, UTC-3)
    due = _due(ana, survey_id, key="k-console", context={"channel": "webchat", "conversation_id": "cnv_1"})
    DueSend.objects.filter(pk=due.pk).update(due_at=at)
    user = _staff(client, "marketer", "mk-due")
    user.time_zone = "America/Santiago"
    user.save(update_fields=["time_zone"])
    html = client.get("/console/feedback/due-sends/").content.decode()
    assert f'data-due="{due.pk}"' in html and "Ana" in html and "Postventa" in html
    assert "10-03-2031 12:30" in html and "Chat web" in html
    # cancel it: gone from the waiting list, shown among the skipped ones with its reason
    assert client.post(f"/console/feedback/due-sends/{due.pk}/cancel/").status_code == 302
    due.refresh_from_db()
    assert (due.status, due.reason) == ("skipped", "cancelled")
    assert f'data-due="{due.pk}"' not in client.get("/console/feedback/due-sends/").content.decode()
    assert "cancelado por el equipo" in client.get("/console/feedback/due-sends/?status=skipped").content.decode()


def test_an_agent_cannot_open_the_trigger_or_due_pages(client, world):
    _staff(client, "agent", "ag-trg")
    assert client.get("/console/feedback/survey-triggers/").status_code == 403
    assert client.get("/console/feedback/due-sends/").status_code == 403


def test_cancel_is_a_service_with_its_audit(ana, api):
    survey_id = make_survey(api)
    due = _due(ana, survey_id)
    with transaction.atomic():
        triggers.do_cancel_due(due_id=due.pk, actor=SYSTEM)
    assert AuditEntry.objects.filter(action="feedback.due.cancel", target_id=str(due.pk)).exists()

"""In the browser, on a phone (390×844) and a laptop (1,366×768): a marketer adds a survey trigger, pauses
and edits it, and cancels a due send; an agent files a suggestion from the inbox's thread. Each page fits
the screen (no sideways scroll) and axe finds nothing serious."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.feedback.models import DueSend, Suggestion, SurveyTrigger
from omnicanal.feedback.services import surveys
from omnicanal.orders.tests.conftest import make_customer, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, f"document {width}px wide in a {viewport}px viewport"


def _survey():
    with transaction.atomic():
        return surveys.do_create_survey(name="Retiro en tienda", kind="csat", questions=[], reward_kind="",
                                        reward_value="0", actor=SYSTEM)


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_marketer_adds_pauses_and_edits_a_trigger_and_cancels_a_due_send(size, staff, console_login,
                                                                          live_server, axe):
    make_world()
    ana = make_customer()
    survey = _survey()
    page = console_login(staff("marketer", username="mk-browser"))
    page.set_viewport_size(size)

    # a trigger after a pickup, 24 hours later, at one store
    page.goto(f"{live_server.url}/console/feedback/survey-triggers/")
    assert axe(page) == []
    _fits(page)
    form = page.locator("[data-testid=new-trigger]")
    form.locator("select[name=event]").select_option("picked_up")
    form.locator("input[name=delay_hours]").fill("24")
    form.locator("select[name=store]").select_option("SCL")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-trigger]")
    trigger = SurveyTrigger.objects.get()
    assert (trigger.survey_id, trigger.event, trigger.delay_hours, trigger.store) == (survey.pk, "picked_up", 24, "SCL")
    _fits(page)

    # paused, then edited to follow deliveries
    page.locator(f"[data-trigger='{trigger.public_id}'] [data-testid=pause]").click()
    page.wait_for_selector(f"[data-trigger='{trigger.public_id}'] [data-testid=resume]")
    assert "Pausado" in page.locator(f"[data-trigger='{trigger.public_id}']").inner_text()
    assert axe(page) == []
    page.goto(f"{live_server.url}/console/feedback/survey-triggers/{trigger.public_id}/")
    assert axe(page) == []
    _fits(page)
    page.locator("[data-testid=edit-trigger] select[name=event]").select_option("delivered")
    page.locator("[data-testid=edit-trigger] button[type=submit]").click()
    page.wait_for_selector("[data-trigger]")
    trigger.refresh_from_db()
    assert (trigger.event, trigger.active) == ("delivered", False)

    # a due send, listed with her name, then cancelled
    with transaction.atomic():
        due = DueSend.objects.create(kind="survey", key="b-1", survey=survey, customer_id=ana,
                                     trigger="delivered:ful_1", due_at=clock.now() + dt.timedelta(hours=5))
    page.goto(f"{live_server.url}/console/feedback/due-sends/")
    row = page.locator(f"[data-due='{due.pk}']")
    assert "Ana" in row.inner_text() and "Retiro en tienda" in row.inner_text()
    assert axe(page) == []
    _fits(page)
    row.locator("[data-testid=cancel-due]").click()
    page.wait_for_selector("[role=alert], .msg, .messages")
    assert page.locator(f"[data-due='{due.pk}']").count() == 0
    due.refresh_from_db()
    assert (due.status, due.reason) == ("skipped", "cancelled")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_agent_files_a_suggestion_from_the_inbox_thread(size, staff, console_login, live_server, axe, receive):
    make_world()
    conversation = receive("¿Van a traer zapatillas de trail para niños?").conversation
    page = console_login(staff("agent", username="agente-browser"))
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/console/conversations/{conversation.public_id}/")
    panel = page.locator("[data-testid=suggestion-panel]")
    panel.locator("[data-testid=file-suggestion]").click()
    panel.locator("input[name=title]").fill("Zapatillas de trail para niños")
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=suggestion-panel-notice]")
    assert "Zapatillas de trail para niños" in page.locator("[data-testid=suggestion-panel]").inner_text()
    idea = Suggestion.objects.get()
    assert (idea.conversation_id, idea.customer_id, idea.source) == (
        conversation.public_id, conversation.customer_id, "chat")
    assert axe(page) == []
    _fits(page)

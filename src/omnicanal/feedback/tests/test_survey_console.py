"""The console's surveys: results (response rate; CSAT, NPS and CES by their rules; by channel, store, agent
and week, with a chart and the same figures in a table; comments) and the builder (create and edit with
texts in Spanish and English, questions frozen once answered, a preview per channel)."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.feedback import survey_results
from omnicanal.feedback.models import Survey, SurveySend
from omnicanal.feedback.services import surveys
from omnicanal.feedback.survey_results import Response

T0 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)  # a Monday


def r(score, *, status="completed", channel="", store="", agent="", days=0, comments=()):
    return Response(status=status, sent_at=T0 + dt.timedelta(days=days), score=score, channel=channel, store=store,
                    agent=agent, comments=tuple(comments))


@pytest.mark.database_free
def test_scores_follow_their_definitions():
    assert survey_results.score("csat", [5, 4, 3, 1]) == 50.0
    assert survey_results.score("nps", [10, 9, 8, 6, 0]) == 0.0  # 2 promoters, 2 detractors of 5
    assert survey_results.score("nps", [10, 10, 7, 3]) == 25.0
    assert survey_results.score("ces", [7, 5, 6]) == 6.0
    assert survey_results.score("csat", []) is None


@pytest.mark.database_free
def test_breakdowns_by_channel_store_agent_and_week_with_the_response_rate():
    items = [r(5, channel="whatsapp", store="SCL", agent="Vale"), r(2, channel="whatsapp", store="SCL"),
             r(None, status="sent", channel="email", store="VAP"), r(4, channel="email", store="VAP", days=7),
             r(None, status="partial", channel="email", days=8)]
    total = survey_results.summarise("", "csat", items)
    assert (total.sent, total.completed, total.rate, total.score) == (5, 3, 60.0, 66.7)
    by_channel = {row.key: row for row in survey_results.breakdown("csat", items, "channel")}
    assert by_channel["whatsapp"].score == 50.0 and by_channel["whatsapp"].rate == 100.0
    assert by_channel["email"].sent == 3 and by_channel["email"].rate == 33.3
    assert [row.key for row in survey_results.breakdown("csat", items, "period")] == ["2026-W45", "2026-W46"]
    assert {row.key for row in survey_results.breakdown("csat", items, "agent")} == {"Vale", ""}
    assert {row.key for row in survey_results.breakdown("csat", items, "store")} == {"SCL", "VAP", ""}


def _survey_with_answers(ana, bea):
    with transaction.atomic():
        survey = surveys.do_create_survey(name="Postventa", kind="custom", questions=[
            {"id": "nps", "kind": "scale", "min": 0, "max": 10, "text": {"es": "¿Nos recomendarías?", "en": "Recommend?"}},
            {"id": "why", "kind": "text", "required": False, "text": {"es": "¿Por qué?", "en": "Why?"}}])
        Survey.objects.filter(pk=survey.pk).update(kind="nps")  # a standard NPS with a comment box
        survey.refresh_from_db()
        for customer, answers, status in ((ana, {"nps": 10, "why": "Muy rápido el retiro"}, "completed"),
                                          (bea, {}, "sent")):
            SurveySend.objects.create(survey=survey, customer_id=customer, trigger="manual", answers=answers,
                                      status=status, sent_at=T0, completed_at=T0 if status == "completed" else None)
    return survey


def test_the_results_page_shows_rate_score_charts_tables_and_comments(ana, bea, client, settings):
    from omnicanal.core.services import do_create_staff_user

    survey = _survey_with_answers(ana, bea)
    client.force_login(do_create_staff_user(username="mk", password="secret-pass", role="marketer", locations=[]))
    page = client.get(f"/console/feedback/surveys/{survey.public_id}/results/?from=2026-11-01&to=2026-11-30")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="rate">50,0 %' in html and 'data-testid="score">100,0' in html
    assert "analytics/vendor/chart.umd.min.js" in html and 'id="chart-period"' in html
    assert 'data-testid="table-store"' in html and "Muy rápido el retiro" in html
    assert "Tasa de respuesta" in html  # Spanish by default
    listing = client.get("/console/feedback/surveys/").content.decode()
    assert survey.public_id in listing


def test_the_builder_creates_and_edits_a_custom_survey_with_a_preview(world, client):
    from omnicanal.core.services import do_create_staff_user

    client.force_login(do_create_staff_user(username="mk2", password="secret-pass", role="marketer", locations=[]))
    form = {"name": "Retiro en tienda", "kind": "custom", "reward_kind": "points", "reward_value": "100",
            "active": "1", "q0_kind": "scale", "q0_es": "¿Cómo fue el retiro?", "q0_en": "How was the pickup?",
            "q0_min": "1", "q0_max": "5", "q0_required": "1", "q1_kind": "single", "q1_es": "¿Volverías?",
            "q1_en": "Would you come back?", "q1_options_es": "Sí\nNo", "q1_options_en": "Yes\nNo"}
    preview = client.post("/console/feedback/surveys/new/", {**form, "action": "preview"}).content.decode()
    assert "¿Cómo fue el retiro?" in preview and "How was the pickup?" in preview and "hasta 100 puntos" in preview and "Hola Ana!" in preview
    assert 'data-channel="sms"' in preview and not Survey.objects.exists()
    saved = client.post("/console/feedback/surveys/new/", {**form, "action": "save"})
    assert saved.status_code == 302
    survey = Survey.objects.get()
    assert [q["kind"] for q in survey.questions] == ["scale", "single"]
    assert survey.questions[1]["options"][0] == {"value": "1", "es": "Sí", "en": "Yes"}
    # edited while nobody answered: the questions may change; once answered they are frozen
    client.post(f"/console/feedback/surveys/{survey.public_id}/", {**form, "q0_es": "¿Qué tal el retiro?",
                                                                   "action": "save"})
    survey.refresh_from_db()
    assert survey.questions[0]["text"]["es"] == "¿Qué tal el retiro?"
    SurveySend.objects.create(survey=survey, customer_id="cus_x", status="partial", sent_at=T0, answers={"q1": 4})
    client.post(f"/console/feedback/surveys/{survey.public_id}/", {**form, "q0_es": "Otra", "name": "Nuevo nombre",
                                                                   "action": "save"})
    survey.refresh_from_db()
    assert survey.questions[0]["text"]["es"] == "¿Qué tal el retiro?" and survey.name == "Retiro en tienda"
    # a survey without a Spanish text is refused on its field
    bad = client.post("/console/feedback/surveys/new/", {**form, "q0_es": "", "action": "save"}, follow=True)
    assert Survey.objects.count() == 1 and "español" in bad.content.decode().lower()


def test_the_preview_is_the_invitation_delivery_sends(world):
    from omnicanal.feedback.services import delivery, survey_builder

    draft = survey_builder.Draft(kind="csat", reward_kind="coupon", reward_value="15",
                                 questions=[surveys.STANDARD["csat"]])
    shown = survey_builder.previews(draft, "en")
    sent = delivery.invitation("en", "Ana Pérez", survey_builder.EXAMPLE_LINK, reward_kind="coupon", reward_value=15)
    subject, text = sent.subject, sent.text
    assert shown["email"] == (subject, text) and shown["whatsapp"] == shown["sms"] == text
    assert text.startswith("Hi Ana! Answering earns you a 15% discount coupon.") and text.endswith(
        survey_builder.EXAMPLE_LINK)
    assert shown["page"][0] == surveys.STANDARD["csat"]["text"]["en"]

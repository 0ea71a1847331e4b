"""The console's surveys (Console → Voice of the customer → Surveys): the list, the builder (kind,
custom questions, reward, texts in Spanish and English) with a preview of the invitation per channel
and of the page, and each survey's results — response rate and CSAT/NPS/CES by channel, store, agent
and period, as charts (the analytics app's vendored Chart.js, by its static path) with the same
figures in tables, and the comments. Mounted by views.py's urlpatterns."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock
from omnicanal.core.auth import role_allows
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.feedback import roles, survey_results
from omnicanal.feedback.models import RewardKind, Survey, SurveyKind
from omnicanal.feedback.services import survey_builder

DEFAULT_DAYS = 90
DIMENSION_TITLES = {"channel": _("By channel"), "store": _("By store"), "agent": _("By agent"),
                    "period": _("By week")}
SCORE_NAMES = {SurveyKind.CSAT: _("CSAT (% satisfied, 4–5)"), SurveyKind.NPS: _("NPS (promoters − detractors)"),
               SurveyKind.CES: _("CES (average effort, 1–7)")}


def _survey(survey_id: str) -> Survey:
    survey = Survey.objects.filter(public_id=survey_id).first()
    if survey is None:
        raise Http404
    return survey


@staff_required(*roles.READ)
def survey_list(request: HttpRequest):
    return render(request, "feedback/surveys.html", {
        "title": _("Surveys"), "surveys": Survey.objects.all()[:200],
        "may_build": role_allows(request.principal, roles.SURVEYS),
    })


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = clock.now().date()
    start = parse_date(request.GET.get("from", "") or "") or today - dt.timedelta(days=DEFAULT_DAYS)
    end = parse_date(request.GET.get("to", "") or "") or today
    return (start, end) if start <= end else (end, start)


def _chart(rows: list[survey_results.Row], kind: str) -> dict | None:
    if not rows:
        return None
    labels = [row.key or str(_("Unknown")) for row in rows]
    datasets = [{"label": str(_("Response rate (%)")), "data": [row.rate for row in rows]}]
    if kind in (SurveyKind.CSAT, SurveyKind.NPS):  # both in percent points: one scale with the rate
        datasets.append({"label": str(SCORE_NAMES[kind]), "data": [row.score for row in rows]})
    return {"labels": labels, "datasets": datasets, "percent": True}


@staff_required(*roles.READ)
def results(request: HttpRequest, survey_id: str):
    survey = _survey(survey_id)
    start, end = _period(request)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    items = survey_results.responses(survey, since=since, until=until)
    sections = []
    for dimension in survey_results.DIMENSIONS:
        rows = survey_results.breakdown(survey.kind, items, dimension)
        sections.append({"name": dimension, "title": DIMENSION_TITLES[dimension], "rows": rows,
                         "chart": _chart(rows, survey.kind), "chart_id": f"chart-{dimension}"})
    return render(request, "feedback/survey_results.html", {
        "title": _("Survey results"), "survey": survey, "start": start, "end": end,
        "total": survey_results.summarise("", survey.kind, items), "sections": sections,
        "score_name": SCORE_NAMES.get(survey.kind, ""), "comments": survey_results.comments(items),
    })


# --- the builder ----------------------------------------------------------------------------------


def _form_context(request: HttpRequest, survey: Survey | None, posted=None) -> dict:
    draft = survey_builder.draft_from(survey, posted)
    with translation.override("es"):
        preview_es = survey_builder.previews(draft, "es")
    with translation.override("en"):
        preview_en = survey_builder.previews(draft, "en")
    return {"title": _("Edit survey") if survey else _("New survey"), "survey": survey, "draft": draft,
            "kinds": SurveyKind.choices, "rewards": RewardKind.choices,
            "question_kinds": survey_builder.QUESTION_KIND_CHOICES, "slots": range(survey_builder.SLOTS),
            "previews": (("es", preview_es), ("en", preview_en))}


@staff_required(*roles.SURVEYS)
def edit(request: HttpRequest, survey_id: str = ""):
    survey = _survey(survey_id) if survey_id else None
    if request.method == "POST" and request.POST.get("action") == "save":
        try:
            with transaction.atomic():
                saved = survey_builder.do_save_survey(survey=survey, data=request.POST, actor=request.principal)
            messages.success(request, _("Survey saved."))
            return redirect(reverse("feedback:survey_edit", args=[saved.public_id]))
        except Problem as problem:
            show_problem(request, problem, fields=survey_builder.FORM_FIELDS)
    posted = request.POST if request.method == "POST" else None
    return render(request, "feedback/survey_builder.html", _form_context(request, survey, posted))


urlpatterns = [
    path("surveys/", survey_list, name="surveys"),
    path("surveys/new/", edit, name="survey_new"),
    path("surveys/<str:survey_id>/", edit, name="survey_edit"),
    path("surveys/<str:survey_id>/results/", results, name="survey_results"),
]

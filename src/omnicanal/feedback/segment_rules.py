"""Survey answers as marketing segment rules (marketing.registry's extension point; hooks.py registers
them): each field's values for a batch of customers, from their completed responses, in two queries.

| field | kind | value per customer |
|---|---|---|
| `survey.answered` | list | the surveys (ids) they completed |
| `survey.score_at_most` | list | `"<survey id>:<N>"` for every N from their score up to the scale's top: `any_of ["srv_…:6"]` is "answered that survey with a score of 6 or less" |
| `survey.nps` | number | their latest NPS answer, 0–10 |
| `survey.csat` | number | their latest CSAT answer, 1–5 |
| `survey.days_since_detractor` | number | days since their latest NPS answer of 0–6: `lte 30` is "an NPS detractor in the last 30 days" |

A response's score is its survey's standard question (CSAT, NPS, CES: survey_results.SCORE_QUESTION),
or a custom survey's first scale question; the latest completed response of a survey counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock
from omnicanal.feedback.models import SendStatus, Survey, SurveyKind, SurveySend
from omnicanal.feedback.survey_results import DETRACTOR_MAX, SCORE_QUESTION

Values = dict[str, frozenset[str] | Decimal]  # what marketing.registry's RuleSource.values answers


def _score_question(kind: str, questions: list) -> dict | None:
    wanted = SCORE_QUESTION.get(SurveyKind(kind), "") if kind in SurveyKind.values else ""
    for question in questions or []:
        if (question.get("id") == wanted) if wanted else question.get("kind") == "scale":
            return question
    return None


def _responses(customer_ids: list[str]) -> list[tuple[str, str, str, int | None, int, dt.datetime | None]]:
    """(customer, survey id, survey kind, score or None, scale's top, completed at), oldest first."""
    rows = list(SurveySend.objects.filter(customer_id__in=customer_ids, status=SendStatus.COMPLETED)
                .order_by("completed_at", "pk").values_list("customer_id", "survey_id", "answers", "completed_at"))
    surveys = {pk: (public_id, kind, _score_question(kind, questions))
               for pk, public_id, kind, questions in Survey.objects.filter(pk__in={r[1] for r in rows})
               .values_list("pk", "public_id", "kind", "questions")}
    out = []
    for customer_id, survey_pk, answers, completed_at in rows:
        public_id, kind, question = surveys[survey_pk]
        raw = (answers or {}).get(question["id"]) if question else None
        score = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        out.append((customer_id, public_id, kind, score, int(question.get("max", 10)) if question else 10,
                    completed_at))
    return out


def answered(customer_ids: list[str]) -> Values:
    found: dict[str, set[str]] = {}
    for customer_id, survey_id, *_rest in _responses(customer_ids):
        found.setdefault(customer_id, set()).add(survey_id)
    return {cid: frozenset(ids) for cid, ids in found.items()}


def score_at_most(customer_ids: list[str]) -> Values:
    latest: dict[tuple[str, str], tuple[int | None, int]] = {}
    for customer_id, survey_id, _kind, score, top, _at in _responses(customer_ids):
        latest[(customer_id, survey_id)] = (score, top)  # oldest first: the latest stays
    found: dict[str, set[str]] = {}
    for (customer_id, survey_id), (score, top) in latest.items():
        if score is not None:
            found.setdefault(customer_id, set()).update(f"{survey_id}:{n}" for n in range(score, max(score, top) + 1))
    return {cid: frozenset(codes) for cid, codes in found.items()}


def _latest(kind: str):
    def values(customer_ids: list[str]) -> Values:
        return {customer_id: Decimal(score) for customer_id, _survey, survey_kind, score, _top, _at
                in _responses(customer_ids) if survey_kind == kind and score is not None}

    return values


def days_since_detractor(customer_ids: list[str]) -> Values:
    now = clock.now()
    return {customer_id: Decimal(max(0, (now - at).days)) for customer_id, _survey, kind, score, _top, at
            in _responses(customer_ids)
            if kind == SurveyKind.NPS and score is not None and score <= DETRACTOR_MAX and at is not None}


def register() -> None:
    from omnicanal.marketing import registry

    for field, kind, label, values in (
        ("survey.answered", "list", _("Answered survey"), answered),
        ("survey.score_at_most", "list", _("Answered survey with a score at most (survey:score)"), score_at_most),
        ("survey.nps", "number", _("Latest NPS answer (0–10)"), _latest(SurveyKind.NPS)),
        ("survey.csat", "number", _("Latest CSAT answer (1–5)"), _latest(SurveyKind.CSAT)),
        ("survey.days_since_detractor", "number", _("Days since an NPS detractor answer (0–6)"),
         days_since_detractor),
    ):
        registry.register_rule(registry.RuleSource(field=field, kind=kind, label=label, values=values))

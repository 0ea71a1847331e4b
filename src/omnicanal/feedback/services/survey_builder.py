"""The console's survey builder: a survey from a plain form (name, kind, up to SLOTS custom questions with
their texts in Spanish and English, reward), saved through services.surveys' rules, and a preview of what
the customer reads: the invitation per channel (email, WhatsApp, SMS) and the page's first question.

Editing keeps the survey's id; its questions are frozen once someone answered (the results would mix two
questionnaires), its name, reward and being active are not."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omnicanal.core import audit
from omnicanal.core.auth import Principal
from omnicanal.core.errors import FieldError, ValidationFailed
from omnicanal.feedback.models import RewardKind, SendStatus, Survey, SurveyKind, SurveySend
from omnicanal.feedback.services import delivery, surveys

SLOTS = 5
SMS_LIMIT = 160  # one GSM-7 segment: an invitation should not cost two
QUESTION_KIND_CHOICES = (("", gettext_lazy("(unused)")), ("scale", gettext_lazy("Scale")),
                         ("single", gettext_lazy("One choice")), ("multiple", gettext_lazy("Several choices")),
                         ("text", gettext_lazy("Short text")))
# Where a service's field error shows on the form (show_problem's `fields`).
FORM_FIELDS = {"reward.kind": "reward_kind", "reward.value": "reward_value"}
EXAMPLE_LINK = "https://…/s/…"  # the signed link, made at the send


@dataclass
class Draft:
    name: str = ""
    kind: str = SurveyKind.CSAT
    reward_kind: str = ""
    reward_value: str = "0"
    active: bool = True
    questions: list[dict] = field(default_factory=list)  # as services.surveys stores them
    slots: list[dict] = field(default_factory=list)  # the form's custom-question rows


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _slot_from_question(question: dict) -> dict:
    options = question.get("options") or []
    return {"kind": question.get("kind", ""), "es": question.get("text", {}).get("es", ""),
            "en": question.get("text", {}).get("en", ""), "min": question.get("min", 1), "max": question.get("max", 5),
            "required": question.get("required", True), "options_es": "\n".join(o.get("es", "") for o in options),
            "options_en": "\n".join(o.get("en", "") for o in options)}


def _slot_from_post(data, index: int) -> dict:
    def get(name, default=""):
        return (data.get(f"q{index}_{name}") or default).strip() if hasattr(data, "get") else default

    return {"kind": get("kind"), "es": get("es"), "en": get("en"), "min": get("min", "1"), "max": get("max", "5"),
            "required": bool(data.get(f"q{index}_required")), "options_es": get("options_es"),
            "options_en": get("options_en")}


def _questions_from_slots(slots: list[dict]) -> list[dict]:
    questions = []
    for index, slot in enumerate(slots):
        if not slot["kind"]:
            continue
        question = {"id": f"q{index + 1}", "kind": slot["kind"], "text": {"es": slot["es"], "en": slot["en"]},
                    "required": slot["required"]}
        if slot["kind"] == "scale":
            try:
                question.update(min=int(slot["min"]), max=int(slot["max"]))
            except (TypeError, ValueError):
                question.update(min=-1, max=-1)  # refused by check_questions, on the right field
        if slot["kind"] in ("single", "multiple"):
            es, en = _lines(slot["options_es"]), _lines(slot["options_en"])
            question["options"] = [{"value": str(i + 1), "es": text, "en": en[i] if i < len(en) else ""}
                                   for i, text in enumerate(es)]
        questions.append(question)
    return questions


def draft_from(survey: Survey | None, posted=None) -> Draft:
    """What the form shows: the posted values, else the survey's, else a new CSAT survey."""
    if posted is not None:
        kind = posted.get("kind", SurveyKind.CSAT)
        slots = [_slot_from_post(posted, i) for i in range(SLOTS)]
        questions = _questions_from_slots(slots) if kind == SurveyKind.CUSTOM else (
            [surveys.STANDARD[kind]] if kind in surveys.STANDARD else [])
        return Draft(name=posted.get("name", ""), kind=kind, reward_kind=posted.get("reward_kind", ""),
                     reward_value=posted.get("reward_value", "0") or "0", active=bool(posted.get("active")),
                     questions=questions, slots=slots)
    if survey is None:
        return Draft(questions=[surveys.STANDARD[SurveyKind.CSAT]],
                     slots=[_slot_from_post({}, i) for i in range(SLOTS)])
    slots = [_slot_from_question(q) for q in survey.questions] if survey.kind == SurveyKind.CUSTOM else []
    slots += [_slot_from_post({}, i) for i in range(len(slots), SLOTS)]
    return Draft(name=survey.name, kind=survey.kind, reward_kind=survey.reward_kind,
                 reward_value=f"{survey.reward_value.normalize():f}", active=survey.active,
                 questions=list(survey.questions), slots=slots)


def do_save_survey(*, survey: Survey | None, data, actor: Principal) -> Survey:
    draft = draft_from(survey, data)
    if draft.kind == SurveyKind.CUSTOM and not draft.questions:
        raise ValidationFailed.on("questions", _("Add at least one question."))
    if survey is None:
        created = surveys.do_create_survey(name=draft.name, kind=draft.kind, questions=draft.questions,
                                           reward_kind=draft.reward_kind, reward_value=draft.reward_value, actor=actor)
        audit.record(actor=actor, action="feedback.survey.create", target_type="survey", target_id=created.public_id,
                     after={"name": created.name, "kind": created.kind})
        return created
    errors = []
    name = draft.name.strip()[:120]
    if not name:
        errors.append(FieldError("name", _("Give it a name.")))
    if draft.reward_kind not in RewardKind.values:
        errors.append(FieldError("reward.kind", _("Choose a reward.")))
    try:
        value = Decimal(draft.reward_value)
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or (draft.reward_kind == RewardKind.COUPON and not 0 < value <= 100):
        errors.append(FieldError("reward.value", _("Points (a whole number), or the coupon's percent (1 to 100).")))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    changes = {"name": name, "reward_kind": draft.reward_kind, "reward_value": value, "active": draft.active}
    questions_changed = draft.kind != survey.kind or draft.questions != survey.questions
    if questions_changed:
        if SurveySend.objects.filter(survey=survey).exclude(status=SendStatus.SENT).exists():
            raise ValidationFailed.on("questions", _("Someone already answered: the questions can no longer change. "
                                                     "Make a new survey."))
        if draft.kind not in SurveyKind.values:
            raise ValidationFailed.on("kind", _("Must be csat, nps, ces or custom."))
        changes.update(kind=draft.kind, questions=surveys.check_questions(draft.questions))
    before = {"name": survey.name, "kind": survey.kind, "reward": [survey.reward_kind, str(survey.reward_value)]}
    Survey.objects.filter(pk=survey.pk).update(**changes)
    survey.refresh_from_db()
    audit.record(actor=actor, action="feedback.survey.edit", target_type="survey", target_id=survey.public_id,
                 before=before, after={"name": survey.name, "kind": survey.kind,
                                       "reward": [survey.reward_kind, str(survey.reward_value)]})
    return survey


# --- the preview ------------------------------------------------------------------------------------


EXAMPLE_NAME = "Ana Pérez"


def previews(draft: Draft, language: str) -> dict:
    """{email: (subject, body), whatsapp, sms, sms_length, sms_segments, page: (question, answers)}: the
    invitation exactly as survey delivery sends it (services.delivery.invitation renders both, with an
    example name and link; every channel carries the same text, the email with its subject) and the
    page's first question."""
    message = delivery.invitation(language, EXAMPLE_NAME, EXAMPLE_LINK, reward_kind=draft.reward_kind,
                                  reward_value=_preview_value(draft.reward_value))
    subject, text = message.subject, message.text
    first = draft.questions[0] if draft.questions else {}
    question = (first.get("text") or {}).get(language, "")
    if first.get("kind") == "scale":
        answers = [str(n) for n in range(int(first.get("min", 1)), int(first.get("max", 5)) + 1)]
    else:
        answers = [o.get(language, "") for o in first.get("options") or []]
    return {"email": (subject, text), "whatsapp": text, "sms": text, "sms_length": len(text),
            "sms_segments": -(-len(text) // SMS_LIMIT), "page": (question, answers)}


def _preview_value(raw: str) -> Decimal:
    try:
        value = Decimal(raw or 0)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value >= 0 else Decimal(0)

"""Surveys (minimal, for the governor and rewards; the builder comes later): a survey's questions,
a send to one customer (claimed against their budget: services/budget.py), its answers kept as they
come (one question a screen), and the reward, granted exactly once when the response completes."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.utils.translation import gettext as _

from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.feedback import config
from omnicanal.feedback.events import SurveyCompleted, SurveySent
from omnicanal.feedback.models import ContactKind, RewardKind, SendStatus, Survey, SurveyKind, SurveySend
from omnicanal.feedback.services import budget
from omnicanal.loyalty.services import coupons, program, stored_value

QUESTION_KINDS = ("scale", "single", "multiple", "text")
LANGUAGES = ("es", "en")
SALT = "feedback.survey-link"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_STORE_CREDIT = Decimal(1_000_000)

# The standard one-question surveys, in both languages.
STANDARD = {
    SurveyKind.CSAT: {"id": "csat", "kind": "scale", "min": 1, "max": 5, "text": {
        "es": "¿Qué tan satisfecho quedaste con tu experiencia?", "en": "How satisfied were you with your experience?"}},
    SurveyKind.NPS: {"id": "nps", "kind": "scale", "min": 0, "max": 10, "text": {
        "es": "¿Qué tan probable es que nos recomiendes a un amigo?",
        "en": "How likely are you to recommend us to a friend?"}},
    SurveyKind.CES: {"id": "ces", "kind": "scale", "min": 1, "max": 7, "text": {
        "es": "¿Qué tan fácil fue resolver lo que necesitabas?", "en": "How easy was it to get what you needed?"}},
}


def _texts(raw, field: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(lang), str) and raw[lang].strip() for lang in LANGUAGES):
        raise ValidationFailed.on(field, _("Give the text in Spanish and English."))
    return {lang: raw[lang].strip()[:300] for lang in LANGUAGES}


def check_questions(questions: list) -> list[dict]:
    if not isinstance(questions, list) or not 1 <= len(questions) <= 20:
        raise ValidationFailed.on("questions", _("One to 20 questions."))
    seen: set[str] = set()
    checked = []
    for index, raw in enumerate(questions):
        field = f"questions[{index}]"
        if not isinstance(raw, dict):
            raise ValidationFailed.on(field, _("Not a question."))
        qid = str(raw.get("id") or f"q{index + 1}")[:40]
        kind = raw.get("kind")
        if kind not in QUESTION_KINDS:
            raise ValidationFailed.on(f"{field}.kind", _("Must be scale, single, multiple or text."))
        if qid in seen:
            raise ValidationFailed.on(f"{field}.id", _("Used twice."))
        seen.add(qid)
        question = {"id": qid, "kind": kind, "text": _texts(raw.get("text"), f"{field}.text"),
                    "required": bool(raw.get("required", kind != "text"))}
        if kind == "scale":
            low, high = raw.get("min", 1), raw.get("max", 5)
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
                raise ValidationFailed.on(f"{field}.max", _("A scale goes from 0 or more up to 10 at most."))
            question.update(min=low, max=high)
        if kind in ("single", "multiple"):
            options = raw.get("options")
            if not isinstance(options, list) or not 2 <= len(options) <= 12:
                raise ValidationFailed.on(f"{field}.options", _("Two to 12 options."))
            question["options"] = [{"value": str(o.get("value") or i + 1)[:40], **_texts(o, f"{field}.options[{i}]")}
                                   for i, o in enumerate(options) if isinstance(o, dict)]
            if len(question["options"]) != len(options):
                raise ValidationFailed.on(f"{field}.options", _("Two to 12 options."))
        checked.append(question)
    return checked


def do_create_survey(*, name: str, kind: str, questions: list | None = None, reward_kind: str = "",
                     reward_value: Decimal | int | str = 0, actor: Principal = SYSTEM) -> Survey:
    errors = []
    name = (name or "").strip()[:120]
    if not name:
        errors.append(FieldError("name", _("Give it a name.")))
    if kind not in SurveyKind.values:
        errors.append(FieldError("kind", _("Must be csat, nps, ces or custom.")))
    if reward_kind not in RewardKind.values:
        errors.append(FieldError("reward.kind", _("Must be points, coupon or store_credit.")))
    try:
        value = Decimal(str(reward_value))
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or (reward_kind == RewardKind.COUPON and not 0 < value <= 100):
        errors.append(FieldError("reward.value", _("Points (a whole number), or the coupon's percent (1 to 100).")))
    elif reward_kind == RewardKind.STORE_CREDIT and not 0 < value <= MAX_STORE_CREDIT:
        errors.append(FieldError("reward.value", _("The store credit's amount, more than zero.")))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    if not questions:
        if kind == SurveyKind.CUSTOM:
            raise ValidationFailed.on("questions", _("One to 20 questions."))
        questions = [STANDARD[kind]]
    return Survey.objects.create(name=name, kind=kind, questions=check_questions(questions), reward_kind=reward_kind,
                                 reward_value=value, created_at=clock.now())


# --- sends and links ---------------------------------------------------------------------------


def link_token(send: SurveySend) -> str:
    return signing.TimestampSigner(salt=SALT).sign(send.public_id)


def send_for_token(token: str) -> SurveySend | None:
    """The send a link names, or None (tampered, expired)."""
    try:
        public_id = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=int(config.get("SURVEY_LINK_DAYS")) * 86400)
    except signing.BadSignature:
        return None
    return SurveySend.objects.select_related("survey").filter(public_id=public_id).first()


def do_send_survey(*, survey_id: str, customer_id: str, trigger: str = "manual", language: str = "",
                   context: dict | None = None, deliver: bool = True) -> SurveySend | None:
    """Offer the survey to the customer if their budget allows (None otherwise: nothing is sent).
    With `deliver`, SurveySent makes services.delivery take the link to the customer after the commit
    (inline in the web chat when `context` names a web chat conversation, else by their preferred
    consented channel); without it (the POS's tablet) the caller shows the link."""
    survey = Survey.objects.filter(public_id=survey_id, active=True).first()
    if survey is None:
        raise NotFound(detail=_("No survey %(id)s.") % {"id": survey_id})
    summary = customers.customer_summary(customer_id)
    send = SurveySend(survey=survey, customer_id=summary.id, trigger=trigger[:60], sent_at=clock.now(),
                      language=language if language in LANGUAGES else (summary.language if summary.language in LANGUAGES
                                                                        else "es"),
                      context=dict(context or {}), channel="" if deliver else "pos",
                      delivery="" if deliver else "delivered")
    send.public_id = SurveySend._meta.get_field("public_id").pre_save(send, add=True)
    if not budget.do_claim_contact(customer_id=summary.id, kind=ContactKind.SURVEY, ref=send.public_id).eligible:
        return None
    send.save()
    if deliver:
        outbox.emit(SurveySent(send_id=send.public_id, survey_id=survey.public_id, customer_id=send.customer_id,
                               trigger=send.trigger))
    return send


# --- answers and rewards -----------------------------------------------------------------------


def check_answer(question: dict, raw) -> object:
    field = f"answers.{question['id']}"
    kind = question["kind"]
    if kind == "scale":
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationFailed.on(field, _("Choose a number.")) from None
        if not question["min"] <= value <= question["max"]:
            raise ValidationFailed.on(field, _("Choose a number.")) from None
        return value
    values = {o["value"] for o in question.get("options", [])}
    if kind == "single":
        if str(raw) not in values:
            raise ValidationFailed.on(field, _("Choose one of the options."))
        return str(raw)
    if kind == "multiple":
        chosen = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if not chosen or not set(chosen) <= values:
            raise ValidationFailed.on(field, _("Choose one of the options."))
        return sorted(set(chosen))
    return str(raw or "").strip()[:2000]


def _locked(send_id: str) -> SurveySend:
    send = SurveySend.objects.select_for_update().select_related("survey").filter(public_id=send_id).first()
    if send is None:
        raise NotFound(detail=_("No survey %(id)s.") % {"id": send_id})
    return send


def complete(send: SurveySend) -> bool:
    return all(q["id"] in send.answers for q in send.survey.questions if q.get("required"))


def do_answer(*, send_id: str, answers: dict) -> SurveySend:
    """Keep the answers given (a partial response is kept); the response completes when every
    required question is answered, and is rewarded then, once. A completed response is final."""
    send = _locked(send_id)
    if send.status == SendStatus.COMPLETED:
        raise Conflict(detail=_("This survey was already answered. Thank you!"))
    questions = {q["id"]: q for q in send.survey.questions}
    for qid, raw in answers.items():
        if qid not in questions:
            raise ValidationFailed.on(f"answers.{qid}", _("No such question."))
        send.answers[qid] = check_answer(questions[qid], raw)
    send.status = SendStatus.PARTIAL
    if complete(send):
        send.status = SendStatus.COMPLETED
        send.completed_at = clock.now()
        send.reward_ref = _reward(send)
        outbox.emit(SurveyCompleted(send_id=send.public_id, survey_id=send.survey.public_id,
                                    customer_id=send.customer_id, reward_kind=send.survey.reward_kind,
                                    reward_ref=send.reward_ref))
    send.save(update_fields=["answers", "status", "completed_at", "reward_ref"])
    return send


def _reward(send: SurveySend) -> str:
    """Runs once per response: the send's row is locked and was not completed."""
    survey = send.survey
    if survey.reward_kind == RewardKind.POINTS:
        transfer = program.do_earn_activity(customer_id=send.customer_id, activity="survey", reference=send.public_id,
                                            channel="web", amount=int(survey.reward_value) or None)
        return transfer.public_id if transfer else ""
    if survey.reward_kind == RewardKind.COUPON:
        code = "ENC-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        coupons.do_create_coupon(
            code=code, name=_("Thanks for answering %(survey)s") % {"survey": survey.name}, owner_id=send.customer_id,
            max_uses=1, terms=coupons.Terms(kind="percent", value=survey.reward_value, max_uses_per_customer=1,
                                            ends_at=clock.now() + dt.timedelta(days=60)))
        return code
    if survey.reward_kind == RewardKind.STORE_CREDIT:
        transfer = stored_value.do_grant_store_credit(
            customer_id=send.customer_id, amount=Money.of(survey.reward_value), reason="survey",
            reference=send.public_id, key=f"survey-credit:{send.public_id}")
        return transfer.public_id
    return ""


# --- the customers registry: merge and erasure ---------------------------------------------------


def do_move_sends(*, survivor_id: str, merged_id: str) -> int:
    return SurveySend.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def do_erase_sends(*, customer_id: str) -> int:
    """The answers are the person's (free text too); the send stays, anonymous, for response rates."""
    return SurveySend.objects.filter(customer_id=customer_id).update(customer_id="", answers={})

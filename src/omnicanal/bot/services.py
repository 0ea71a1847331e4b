"""The bot's only writers (keyword arguments; inside the caller's transaction): settings per inbox,
the knowledge base, examples from the unrecognised report, a conversation's dialogue context."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from omnicanal.bot import nlu, queries
from omnicanal.bot.models import Article, DialogueContext, Example, InboxSettings, Unrecognised
from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.errors import FieldError, NotFound, ValidationFailed

CONTEXT_TTL = dt.timedelta(minutes=30)  # a question left half-answered is forgotten after this


def _keywords(raw) -> list[str]:
    words = raw.splitlines() if isinstance(raw, str) else list(raw or ())
    return [w.strip().lower()[:60] for w in words if w and w.strip()][:100]


def do_save_settings(*, inbox_id: str, enabled: bool, greeting_es: str = "", greeting_en: str = "",
                     intents=(), handoff_keywords=queries.DEFAULT_KEYWORDS, min_confidence: float = 0.5,
                     negative_sentiment: float = -0.5, actor: Principal) -> InboxSettings:
    unknown = [i for i in intents if i not in nlu.INTENTS]
    if unknown:
        raise ValidationFailed.on("intents", _("unknown intent: %(name)s") % {"name": unknown[0]})
    if not 0 <= min_confidence <= 1:
        raise ValidationFailed.on("min_confidence", _("between 0 and 1"))
    if not -1 <= negative_sentiment <= 1:
        raise ValidationFailed.on("negative_sentiment", _("between -1 and 1"))
    row, _created = InboxSettings.objects.update_or_create(inbox_id=inbox_id, defaults={
        "enabled": enabled, "greeting_es": (greeting_es or "").strip()[:500], "greeting_en": (greeting_en or "").strip()[:500],
        "intents": list(intents), "handoff_keywords": _keywords(handoff_keywords), "min_confidence": min_confidence,
        "negative_sentiment": negative_sentiment, "updated_at": clock.now()})
    return row


def do_save_article(*, article_id: str = "", language: str, question: str, answer: str, phrasings: str = "",
                    active: bool = True, actor: Principal) -> Article:
    errors = {}
    if language not in ("es", "en"):
        errors["language"] = _("es or en")
    if not (question or "").strip():
        errors["question"] = _("write the question")
    if not (answer or "").strip():
        errors["answer"] = _("write the answer")
    if errors:
        raise ValidationFailed(detail=str(_("Check the article.")),
                               errors=[FieldError(name, message) for name, message in errors.items()])
    row = Article.objects.filter(public_id=article_id).first() if article_id else Article()
    if row is None:
        raise NotFound(detail=str(_("No such article.")))
    row.language, row.question, row.answer = language, question.strip()[:300], answer.strip()[:4000]
    row.phrasings, row.active, row.updated_at = (phrasings or "").strip()[:4000], active, clock.now()
    row.save()
    return row


def do_delete_article(*, article_id: str, actor: Principal) -> None:
    Article.objects.filter(public_id=article_id).delete()


def do_remember(*, context: queries.Context, now: dt.datetime | None = None) -> None:
    now = now or clock.now()
    DialogueContext.objects.update_or_create(conversation_id=context.conversation_id, defaults={
        "intent": context.intent, "slots": context.slots, "answered": list(context.answered)[-5:],
        "low_confidence": context.low_confidence, "verified_orders": list(context.verified_orders)[-10:],
        "verified_proofs": {k: v for k, v in context.verified_proofs.items() if k in context.verified_orders[-10:]},
        "greeted": context.greeted, "language": context.language[:2], "expires_at": now + CONTEXT_TTL, "updated_at": now})


def do_forget(*, conversation_id: str) -> None:
    DialogueContext.objects.filter(conversation_id=conversation_id).delete()


def do_record_unrecognised(*, text: str, language: str, intent: str, confidence: float, conversation_id: str = "") -> None:
    Unrecognised.objects.create(text=text[:500], language=language[:2], intent=intent[:30], confidence=confidence,
                                conversation_id=conversation_id, created_at=clock.now())


def do_add_example(*, unrecognised_id: int, intent: str, actor: Principal) -> Example:
    """Staff label an unrecognised message: it becomes a training example and the model is rebuilt
    (after the commit, with every stored example)."""
    if intent not in nlu.INTENTS:
        raise ValidationFailed.on("intent", _("unknown intent"))
    row = Unrecognised.objects.filter(pk=unrecognised_id).first()
    if row is None:
        raise NotFound(detail=str(_("No such message.")))
    example, _created = Example.objects.get_or_create(text=row.text, intent=intent, defaults={
        "language": row.language, "added_by": actor.name[:150], "created_at": clock.now()})
    row.resolved = True
    row.save(update_fields=["resolved"])
    transaction.on_commit(lambda: nlu.retrain(queries.examples()))
    return example


def do_dismiss_unrecognised(*, unrecognised_id: int, actor: Principal) -> None:
    Unrecognised.objects.filter(pk=unrecognised_id).update(resolved=True)

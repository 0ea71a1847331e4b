"""Reads of the bot domain: settings per inbox, the knowledge base and its matching, the report of
unrecognised messages, a conversation's live context (frozen dataclasses, never rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from omnicanal.bot.models import Article, DialogueContext, Example, InboxSettings, Unrecognised
from omnicanal.core import clock

# Channels whose inboxes the bot can serve: messaging ones, and email when staff turn it on for an
# email inbox (never calls, nor the generic API whose integrations answer for themselves).
MESSAGING = ("webchat", "whatsapp", "telegram", "sms", "instagram", "facebook")
CHANNELS = (*MESSAGING, "email")
DEFAULT_KEYWORDS = ("reclamo", "sernac", "abogado", "demanda", "complaint", "lawyer", "refund now")
FAQ_THRESHOLD = 70  # rapidfuzz WRatio (0-100) an article must reach to be the answer


@dataclass(frozen=True)
class Settings:
    """An inbox's bot settings. An inbox without stored settings has the bot off: turning it on is
    the staff's decision (console, Bot), so a deployment never starts answering customers by itself."""

    inbox_id: str
    enabled: bool = False
    greeting_es: str = ""
    greeting_en: str = ""
    intents: tuple[str, ...] = ()  # empty: every intent
    handoff_keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    min_confidence: float = 0.5
    negative_sentiment: float = -0.5
    stored: bool = False

    def answers(self, intent: str) -> bool:
        return not self.intents or intent in self.intents

    def greeting(self, language: str) -> str:
        return self.greeting_en if language == "en" else self.greeting_es


def settings_for(inbox_id: str) -> Settings:
    row = InboxSettings.objects.filter(inbox_id=inbox_id).first() if inbox_id else None
    if row is None:
        return Settings(inbox_id=inbox_id)
    return Settings(inbox_id=row.inbox_id, enabled=row.enabled, greeting_es=row.greeting_es, greeting_en=row.greeting_en,
                    intents=tuple(row.intents or ()), handoff_keywords=tuple(row.handoff_keywords or ()),
                    min_confidence=row.min_confidence, negative_sentiment=row.negative_sentiment, stored=True)


@dataclass(frozen=True)
class ArticleView:
    id: str
    language: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    active: bool


def _article(a: Article) -> ArticleView:
    return ArticleView(id=a.public_id, language=a.language, question=a.question,
                       phrasings=tuple(p.strip() for p in a.phrasings.splitlines() if p.strip()), answer=a.answer,
                       active=a.active)


def articles(language: str = "") -> list[ArticleView]:
    rows = Article.objects.all()
    if language:
        rows = rows.filter(language=language)
    return [_article(a) for a in rows.order_by("language", "question")]


def article(article_id: str) -> ArticleView | None:
    row = Article.objects.filter(public_id=article_id).first()
    return None if row is None else _article(row)


@dataclass(frozen=True)
class FaqMatch:
    article: ArticleView
    score: float  # 0-100


def match_article(text: str, language: str) -> FaqMatch | None:
    """The active article of `language` whose question (or another phrasing) is most like `text`."""
    candidates: list[tuple[str, ArticleView]] = []
    for a in articles(language):
        if a.active:
            candidates += [(phrase, a) for phrase in (a.question, *a.phrasings)]
    if not candidates or not text.strip():
        return None
    best = process.extractOne(text, [c[0] for c in candidates], scorer=fuzz.WRatio, processor=utils.default_process)
    if best is None or best[1] < FAQ_THRESHOLD:
        return None
    return FaqMatch(article=candidates[best[2]][1], score=float(best[1]))


@dataclass(frozen=True)
class Context:
    conversation_id: str
    intent: str = ""
    slots: dict = field(default_factory=dict)
    answered: tuple[dict, ...] = ()
    low_confidence: int = 0
    verified_orders: tuple[str, ...] = ()
    greeted: bool = False
    verified_proofs: dict = field(default_factory=dict)  # {order id: the email or phone that proved it}
    language: str = ""  # the last turn's


def context_of(conversation_id: str, now: dt.datetime | None = None) -> Context:
    """What the bot remembers of a conversation; a fresh context once the old one expired."""
    row = DialogueContext.objects.filter(conversation_id=conversation_id).first()
    if row is None or row.expires_at <= (now or clock.now()):
        return Context(conversation_id=conversation_id, greeted=bool(row and row.greeted))
    return Context(conversation_id=conversation_id, intent=row.intent, slots=dict(row.slots or {}),
                   answered=tuple(row.answered or ()), low_confidence=row.low_confidence,
                   verified_orders=tuple(row.verified_orders or ()), greeted=row.greeted,
                   verified_proofs=dict(row.verified_proofs or {}), language=row.language)


@dataclass(frozen=True)
class UnrecognisedView:
    id: int
    text: str
    language: str
    intent: str
    confidence: float
    conversation_id: str
    created_at: dt.datetime


def unrecognised(limit: int = 100) -> list[UnrecognisedView]:
    rows = Unrecognised.objects.filter(resolved=False).order_by("-created_at", "-pk")[:limit]
    return [UnrecognisedView(id=u.pk, text=u.text, language=u.language, intent=u.intent, confidence=u.confidence,
                             conversation_id=u.conversation_id, created_at=u.created_at) for u in rows]


@dataclass(frozen=True)
class Sentiment:
    """How a text feels (docs/feedback.md, Sentiment): the bot's understanding is the one owner."""

    language: str  # es | en
    label: str  # negative | neutral | positive
    score: float  # -1 (angry) .. 1 (delighted)


def sentiment(text: str, language: str | None = None) -> Sentiment:
    """Language (the hint wins when it is es or en), sentiment label and score of a text; offline."""
    from omnicanal.bot import nlu
    from omnicanal.bot.nlu import sentiment as lexicon

    score = nlu.sentiment_of(text)
    return Sentiment(language=language if language in nlu.LANGUAGES else nlu.language_of(text),
                     label=lexicon.label(score), score=score)


def examples() -> list[tuple[str, str, str]]:
    """Staff-added examples as nlu.retrain takes them: (text, intent, language)."""
    return list(Example.objects.order_by("pk").values_list("text", "intent", "language"))

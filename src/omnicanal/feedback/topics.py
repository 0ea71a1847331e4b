"""Topics of a feedback text by keywords per category (wordlists/topics_<language>.txt, es and en):
delivery, stock, price, staff, product quality, returns. Pure functions; no database.

Both languages' lists are read for every text (a Chilean customer writes "el delivery", "el stock"):
a text belongs to every category one of whose keywords it contains, in the order of TOPICS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import pgettext_lazy

WORDLISTS = Path(__file__).parent / "wordlists"
TOPICS = ("delivery", "stock", "price", "staff", "product_quality", "returns")
LANGUAGES = ("es", "en")
LABELS = {
    "delivery": pgettext_lazy("feedback topic", "Delivery"),
    "stock": pgettext_lazy("feedback topic", "Stock"),
    "price": pgettext_lazy("feedback topic", "Price"),
    "staff": pgettext_lazy("feedback topic", "Staff"),
    "product_quality": pgettext_lazy("feedback topic", "Product quality"),
    "returns": pgettext_lazy("feedback topic", "Returns"),
}
_WORD = re.compile(r"[a-z0-9ñ]+")


def fold(text: str) -> str:
    text = (text or "").lower().replace("ñ", "\x00")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("\x00", "ñ")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Keywords:
    words: frozenset[str]
    stems: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]


def parse(text: str) -> dict[str, Keywords]:
    """A topics file's text -> {category: keywords}; an unknown category is an error (a typo in the
    file must not silently drop its keywords)."""
    found: dict[str, tuple[set[str], list[str], list[tuple[str, ...]]]] = {}
    category = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1]
            if category not in TOPICS:
                raise ValueError(f"Unknown topic {category!r} (one of {', '.join(TOPICS)}).")
            found.setdefault(category, (set(), [], []))
            continue
        if not category:
            raise ValueError(f"Keyword {line!r} before any [category].")
        terms = words(line.rstrip("*"))
        single, stems, phrases = found[category]
        if len(terms) > 1:
            phrases.append(tuple(terms))
        elif line.endswith("*"):
            stems.append(terms[0])
        elif terms:
            single.add(terms[0])
    return {c: Keywords(frozenset(s), tuple(st), tuple(p)) for c, (s, st, p) in found.items()}


@cache
def keywords() -> dict[str, list[Keywords]]:
    merged: dict[str, list[Keywords]] = {topic: [] for topic in TOPICS}
    for language in LANGUAGES:
        for topic, found in parse((WORDLISTS / f"topics_{language}.txt").read_text(encoding="utf-8")).items():
            merged[topic].append(found)
    return merged


def _matches(found: Keywords, text_words: list[str], joined: str) -> bool:
    if any(w in found.words for w in text_words):
        return True
    if any(w.startswith(stem) for w in text_words for stem in found.stems):
        return True
    return any(f" {' '.join(p)} " in joined for p in found.phrases)


def topics_of(text: str) -> tuple[str, ...]:
    """The categories the text speaks of, in TOPICS order; () when none."""
    text_words = words(text)
    joined = f" {' '.join(text_words)} "
    return tuple(topic for topic, lists in keywords().items() if any(_matches(k, text_words, joined) for k in lists))

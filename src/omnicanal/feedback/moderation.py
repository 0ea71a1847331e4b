"""What holds a review for a person before it is shown: profanity (word lists in wordlists/, es and
en), personal data (an email address, a phone number, a Chilean RUT) and a very negative review (a
low rating with angry text, which also raises an alert). Pure functions over text; no database.

"Angry" is the bot's understanding's sentiment (omnicanal.bot.queries.sentiment: feedback never scores sentiment
itself) at or under a threshold (settings), or shouting (capitals, "!!!"), or profanity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from omnicanal.feedback import config

WORDLISTS = Path(__file__).parent / "wordlists"
PROFANITY = "profanity"
PERSONAL_DATA = "personal_data"
ANGRY = "angry"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: 8 to 15 digits, optionally after a + and split by spaces, dashes or brackets (not
# dots: "12.03.2026" and "12.345.678" are a date and an amount).
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d(?:[\s()-]{0,2}\d){7,14}(?!\w|\.\d)")
_RUT = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d{3}){2}|\d{7,8})-([\dkK])(?!\w)")
_WORD = re.compile(r"[a-z0-9ñ]+")


@dataclass(frozen=True)
class Verdict:
    flags: tuple[str, ...]  # empty: publish at once
    alert: bool  # very negative: held and brought to someone's attention

    @property
    def held(self) -> bool:
        return bool(self.flags)


def fold(text: str) -> str:
    """Lower case without accents (ñ kept), so "MIÉRDA" and "mierda" are one word."""
    out = []
    for char in text.lower():
        if char == "ñ":
            out.append(char)
            continue
        out.append("".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)))
    return "".join(out)


@cache
def _wordlist(language: str) -> tuple[frozenset[str], tuple[str, ...]]:
    exact: set[str] = set()
    prefixes: list[str] = []
    for raw in (WORDLISTS / f"profanity_{language}.txt").read_text(encoding="utf-8").splitlines():
        word = fold(raw.split("#", 1)[0].strip())
        if not word:
            continue
        if word.endswith("*"):
            prefixes.append(word[:-1])
        else:
            exact.add(word)
    return frozenset(exact), tuple(prefixes)


def profane_words(text: str) -> list[str]:
    """The words of `text` on either language's list (a review may mix them)."""
    found = []
    for word in _WORD.findall(fold(text)):
        for language in ("es", "en"):
            exact, prefixes = _wordlist(language)
            if word in exact or any(word.startswith(p) for p in prefixes):
                found.append(word)
                break
    return found


def _rut_valid(number: str, check: str) -> bool:
    digits = [int(d) for d in reversed(number.replace(".", ""))]
    total = sum(d * (2 + i % 6) for i, d in enumerate(digits))
    expected = 11 - total % 11
    return check.lower() == {11: "0", 10: "k"}.get(expected, str(expected))


def personal_data(text: str) -> list[str]:
    """Kinds of personal data in `text`: "email", "phone", "rut"."""
    kinds = []
    if _EMAIL.search(text):
        kinds.append("email")
    ruts = [m for m in _RUT.finditer(text) if _rut_valid(m.group(1), m.group(2))]
    if ruts:
        kinds.append("rut")
    without_ruts = _RUT.sub(" ", text)
    if _PHONE.search(without_ruts):
        kinds.append("phone")
    return kinds


def shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return "!!!" in text or (len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7)


def nlu_sentiment(text: str) -> float:
    """-1..1 from the bot's understanding (the one owner of sentiment)."""
    from omnicanal.bot import queries as bot

    return bot.sentiment(text, language="es").score  # the language is not needed for the score


def check_review(text: str, rating: int, *, sentiment: Callable[[str], float] = nlu_sentiment,
                 threshold: float | None = None) -> Verdict:
    flags: list[str] = []
    profane = bool(profane_words(text))
    if profane:
        flags.append(PROFANITY)
    if personal_data(text):
        flags.append(PERSONAL_DATA)
    limit = config.get("ANGRY_SENTIMENT") if threshold is None else threshold
    angry = rating <= config.get("ANGRY_MAX_RATING") and bool(text.strip()) and (
        profane or shouting(text) or sentiment(text) <= limit)
    if angry:
        flags.append(ANGRY)
    return Verdict(flags=tuple(flags), alert=angry)

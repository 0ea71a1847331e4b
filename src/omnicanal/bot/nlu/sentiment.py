"""Sentiment of a customer's text, -1 (angry) .. 1 (delighted), Spanish and English; and its label.

A lexicon kept in the repo (bot/data/sentiment.lexicon.tsv: words, word stems ending in `*` and
phrases, es and en, Chilean included) with rules: negation ("no está bien", "not good") flips a word
within three words after it; intensifiers ("muy", "so", "súper") scale the next word; the clause
after "pero"/"but" counts more than the one before it; capitals or "!!" strengthen; emoji count.
Words are matched accent-free and lower case (text.fold), so "pésimo" and "pesimo" are one word; an
unknown word of six letters or more one typo away from a lexicon word counts as it ("exelente").
Tuned on bot/data/sentiment.dev.tsv; measured on sentiment.heldout.tsv (bench/bench_sentiment.py).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from omnicanal.bot.nlu.text import fold

LEXICON = Path(__file__).resolve().parent.parent / "data" / "sentiment.lexicon.tsv"
NEGATIVE_THRESHOLD = -0.4  # at or below: clearly unhappy (the dialogue's hand-off rule reads this)
# The three classes: at or below -LABEL_MARGIN negative, at or above LABEL_MARGIN positive, else
# neutral. One lexicon word of weight 1 ("bueno", "slow") is enough to leave neutral (tanh(1/3) =
# 0.32); a mild one of 0.5 ("buenas tardes") is not.
LABEL_MARGIN = 0.2
LABELS = ("negative", "neutral", "positive")

_EMOJI = {"😡": -2.5, "🤬": -3, "😠": -2, "😤": -2, "😞": -1.5, "😢": -1.5, "😭": -1.5, "👎": -2,
          "🙏": 1, "😊": 1.5, "😀": 1.5, "😃": 1.5, "😍": 2, "❤": 2, "👍": 1.5, "🥰": 2, "🙌": 1.5}
_NEGATIONS = frozenset({"no", "nunca", "ni", "tampoco", "jamas", "not", "never", "dont", "isnt", "wasnt", "didnt",
                        "doesnt", "arent", "wont", "cant", "nothing", "nada", "sin", "without", "nobody", "nadie"})
_INTENSIFIERS = {"muy": 1.5, "super": 1.5, "re": 1.3, "tan": 1.4, "demasiado": 1.5, "extremadamente": 2,
                 "so": 1.5, "very": 1.5, "really": 1.4, "extremely": 2, "totally": 1.5, "too": 1.3,
                 "realmente": 1.4, "absolutamente": 1.8, "completely": 1.5, "way": 1.3, "bien": 1.2,
                 "sumamente": 1.8, "terribly": 1.5, "taan": 1.4}
_BUT = frozenset({"pero", "but", "aunque", "although", "however", "sin embargo"})
_WORD = re.compile(r"[a-z0-9ñ]+(?:-[a-z]+)?")
# Typo matching needs a long lexicon word (7+ letters): short ones have real neighbours ("pesado" and
# "pasado"), and a word that merely extends another ("price", "pricey") is not a typo of it.
TYPO_MIN_LENGTH = 7


class Lexicon:
    def __init__(self, path: Path = LEXICON):
        self.words: dict[str, float] = {}
        self.stems: list[tuple[str, float]] = []
        self.phrases: dict[tuple[str, ...], float] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            term, weight = line.rsplit("\t", 1)
            words = tuple(_words(term.rstrip("*")))
            if len(words) > 1:
                self.phrases[words] = float(weight)
            elif term.endswith("*"):
                self.stems.append((words[0], float(weight)))
            else:
                self.words[words[0]] = float(weight)
        self.longest_phrase = max((len(p) for p in self.phrases), default=1)
        self.stems.sort(key=lambda s: -len(s[0]))  # the longest stem wins
        self._typo_targets = [w for w in self.words if len(w) >= TYPO_MIN_LENGTH]

    @functools.lru_cache(maxsize=20_000)  # noqa: B019 (one lexicon for the process)
    def weight(self, word: str) -> float | None:
        if word in self.words:
            return self.words[word]
        for stem, value in self.stems:
            if word.startswith(stem):
                return value
        if len(word) >= TYPO_MIN_LENGTH and not word.isdigit():
            for target in self._typo_targets:
                if (abs(len(target) - len(word)) <= 1 and not target.startswith(word) and not word.startswith(target)
                        and Levenshtein.distance(word, target, score_cutoff=1) <= 1):
                    return self.words[target]
        return None


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("’", "").replace("'", ""))


@functools.cache
def lexicon() -> Lexicon:
    return Lexicon()


def _terms(words: list[str], lex: Lexicon) -> list[tuple[int, float]]:
    """(position, weight) of every lexicon phrase or word, longest phrase first, left to right."""
    found: list[tuple[int, float]] = []
    i = 0
    while i < len(words):
        for size in range(min(lex.longest_phrase, len(words) - i), 1, -1):
            value = lex.phrases.get(tuple(words[i:i + size]))
            if value is not None:
                found.append((-(i + 1), value))  # negative position: a phrase carries its own negation
                i += size
                break
        else:
            value = lex.weight(words[i])
            if value is not None and words[i] not in _NEGATIONS:
                found.append((i, value))
            i += 1
    return found


def score(text: str) -> float:
    """-1 .. 1; 0 when nothing in the text says how the customer feels."""
    lex = lexicon()
    total = sum(value * text.count(char) for char, value in _EMOJI.items())
    words = _words(text)
    pivot = max((i for i, w in enumerate(words) if w in _BUT), default=-1)
    for position, value in _terms(words, lex):
        if position >= 0:  # a single word: intensifiers and negation before it apply
            window = words[max(0, position - 3):position]
            boost = [_INTENSIFIERS[w] for w in window[-2:] if w in _INTENSIFIERS]
            if boost:
                value *= max(boost)
            if any(w in _NEGATIONS for w in window):
                value = -value * 0.75  # "no está malo" is mildly good; "not great" is mildly bad
        else:
            position = -position - 1
        if pivot >= 0:
            value *= 1.5 if position > pivot else 0.5
        total += value
    if total and (re.search(r"[A-ZÑ]{3,}", text) or "!!" in text):
        total *= 1.3
    return round(math.tanh(total / 3.0), 3)


def label(value: float) -> str:
    """negative | neutral | positive for a score (LABEL_MARGIN)."""
    if value <= -LABEL_MARGIN:
        return "negative"
    if value >= LABEL_MARGIN:
        return "positive"
    return "neutral"

"""Text normalisation and the sparse features every model of the bot's understanding shares.

Customers write without accents, with repeated letters ("holaaa"), typos and emoji, so the
features are character n-grams of accent-free, lower-case words (robust to a missing or swapped
letter) plus whole words and word pairs (the exact phrases), weighted TF-IDF and L2-normalised.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

Features = dict[str, float]

_REPEATS = re.compile(r"(\w)\1{2,}")
_ORDER_LIKE = re.compile(r"\b(?:[a-z]{1,4}-?)?\d{5,}\b")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
CHAR_NGRAMS = (2, 3, 4)


def fold(text: str) -> str:
    """Lower case, accents removed (ñ kept apart: "año" is not "ano"), runs of 3+ letters cut to 2."""
    text = text.lower().replace("ñ", "\x00")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _REPEATS.sub(r"\1\1", text.replace("\x00", "ñ"))


def tokens(text: str) -> list[str]:
    """Words of the folded text; order numbers and SKU-like codes become one placeholder word."""
    folded = _ORDER_LIKE.sub(" 0num ", fold(text))
    return [t for t in _TOKEN.findall(folded) if t.strip()]


def raw_features(text: str) -> Counter:
    words = tokens(text)
    counts: Counter = Counter()
    for word in words:
        counts["w:" + word] += 1
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            for i in range(max(1, len(padded) - n + 1)):
                counts["c:" + padded[i:i + n]] += 1
    for first, second in zip(words, words[1:], strict=False):
        counts[f"b:{first} {second}"] += 1
    return counts


class Vectorizer:
    """TF-IDF over raw_features, fitted on the training texts (unknown features are dropped)."""

    def __init__(self, texts: Iterable[str], min_df: int = 1):
        documents = [raw_features(t) for t in texts]
        df: Counter = Counter()
        for doc in documents:
            df.update(doc.keys())
        n = len(documents)
        self.idf = {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items() if d >= min_df}

    def transform(self, text: str) -> Features:
        idf = self.idf
        vector = {f: (1.0 + math.log(c)) * idf[f] for f, c in raw_features(text).items() if f in idf}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {f: v / norm for f, v in vector.items()}

"""The intent classifier and the language detector, trained in-process from the shipped examples.

Intent: multinomial logistic regression over TF-IDF character n-grams and words (text.Vectorizer),
fitted by plain SGD in pure Python (no numpy: the model is small and sparse, about a second to
train). Chosen over the multilingual Universal Sentence Encoder by measurement (docs/bot.md,
Understanding). Language: multinomial naive Bayes over the same character n-grams, es vs en.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from omnicanal.bot.nlu.text import Features, Vectorizer, raw_features

EPOCHS = 6
LEARNING_RATE = 1.0
SEED = 7  # training is deterministic: the same examples give the same model
DEFAULT_LANGUAGE = "es"  # the business speaks Spanish: a text with no clue either way is Spanish
LANGUAGE_MARGIN = 1.0  # log-odds below this are "no clue"


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str


class IntentModel:
    def __init__(self, vectorizer: Vectorizer, intents: Sequence[str], weights: dict[str, list[float]],
                 bias: list[float]):
        self.vectorizer = vectorizer
        self.intents = tuple(intents)
        self.weights = weights
        self.bias = bias

    def _scores(self, features: Features) -> list[float]:
        scores = list(self.bias)
        k = len(scores)
        weights = self.weights
        for feature, value in features.items():
            row = weights.get(feature)
            if row is not None:
                for c in range(k):
                    scores[c] += row[c] * value
        return scores

    def probabilities(self, text: str) -> dict[str, float]:
        scores = self._scores(self.vectorizer.transform(text))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {intent: e / total for intent, e in zip(self.intents, exps, strict=True)}

    def classify(self, text: str) -> tuple[str, float]:
        probabilities = self.probabilities(text)
        best = max(probabilities, key=probabilities.__getitem__)
        return best, probabilities[best]


def train_intents(examples: Sequence[Labelled], intents: Sequence[str], *, epochs: int = EPOCHS,
                  learning_rate: float = LEARNING_RATE) -> IntentModel:
    vectorizer = Vectorizer(e.text for e in examples)
    index = {intent: i for i, intent in enumerate(intents)}
    data = [(vectorizer.transform(e.text), index[e.label]) for e in examples]
    k = len(intents)
    weights: dict[str, list[float]] = {}
    bias = [0.0] * k
    rng = random.Random(SEED)
    for epoch in range(epochs):
        rng.shuffle(data)
        rate = learning_rate / (1 + epoch * 0.1)
        for features, label in data:
            rows = [weights.setdefault(f, [0.0] * k) for f in features]
            scores = list(bias)
            for row, value in zip(rows, features.values(), strict=True):
                for c in range(k):
                    scores[c] += row[c] * value
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            gradient = [e / total for e in exps]
            gradient[label] -= 1.0
            # Classes the example barely touches are skipped: after an epoch or two most are ~0.
            active = [(c, g * rate) for c, g in enumerate(gradient) if abs(g) > 1e-3]
            for c, step in active:
                bias[c] -= step * 0.1
            for row, value in zip(rows, features.values(), strict=True):
                for c, step in active:
                    row[c] -= step * value
    return IntentModel(vectorizer, intents, weights, bias)


class LanguageModel:
    """Naive Bayes, es vs en, over character n-grams and words; "no clue" falls back to Spanish."""

    def __init__(self, examples: Sequence[Labelled]):
        counts: dict[str, Counter] = {}
        for e in examples:
            counts.setdefault(e.label, Counter()).update(raw_features(e.text))
        vocabulary = set().union(*counts.values()) if counts else set()
        self.languages = tuple(sorted(counts))
        self.log_probability: dict[str, dict[str, float]] = {}
        self.unknown: dict[str, float] = {}
        for language, counter in counts.items():
            total = sum(counter.values()) + len(vocabulary)
            self.log_probability[language] = {f: math.log((c + 1) / total) for f, c in counter.items()}
            self.unknown[language] = math.log(1 / total)
        self.vocabulary = vocabulary

    def detect(self, text: str, default: str = DEFAULT_LANGUAGE) -> str:
        features = [f for f in raw_features(text) if f in self.vocabulary]
        if not features or len(self.languages) < 2:
            return default
        scores = {lang: sum(self.log_probability[lang].get(f, self.unknown[lang]) for f in features)
                  for lang in self.languages}
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        if scores[ranked[0]] - scores[ranked[1]] < LANGUAGE_MARGIN:
            return default
        return ranked[0]

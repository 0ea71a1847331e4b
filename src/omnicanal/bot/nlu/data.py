"""The training examples shipped in bot/data (examples.<language>.tsv: text<TAB>intent).

heldout.tsv is the accuracy test set: nothing here reads it (bot/tests/test_nlu_accuracy.py checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def training_examples() -> list[Example]:
    """Every shipped training example, in both languages."""
    examples = []
    for language in LANGUAGES:
        for text, intent in _rows(DATA_DIR / f"examples.{language}.tsv"):
            examples.append(Example(text=text, intent=intent, language=language))
    return examples


def heldout_examples(path: Path | None = None) -> list[Example]:
    """The labelled test set (bench and accuracy test only; never for training)."""
    return [Example(text=t, intent=i, language=lang) for t, i, lang in _rows(path or DATA_DIR / "heldout.tsv")]

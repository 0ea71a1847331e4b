"""Issue 17 item 6: the sentiment label (negative / neutral / positive) in es and en, its rules, and
its accuracy on the held-out set (bench/bench_sentiment.py prints the same figures with timings)."""

from pathlib import Path

import pytest

from omnicanal.bot import queries
from omnicanal.bot.nlu import sentiment

DATA = Path(sentiment.__file__).resolve().parent.parent / "data"


def test_the_label_splits_the_score_at_the_margin():
    assert sentiment.label(-sentiment.LABEL_MARGIN) == "negative"
    assert sentiment.label(sentiment.LABEL_MARGIN) == "positive"
    assert sentiment.label(0.0) == sentiment.label(sentiment.LABEL_MARGIN / 2) == "neutral"


def test_a_typo_of_a_long_lexicon_word_counts_as_the_word():
    assert sentiment.score("exelente servicio") == sentiment.score("excelente servicio") > 0
    assert sentiment.score("horible experiance") < 0


def test_real_neighbours_of_short_words_are_not_typos():
    # "pasado" is one letter from "pesado", "price" a prefix of "pricey": both stay neutral
    assert sentiment.score("la semana pasada") == 0
    assert sentiment.score("what is the price") == 0


def test_stems_match_every_form():
    assert sentiment.score("se demoró") < 0 and sentiment.score("demorado") < 0
    assert sentiment.score("me encantaron") > 0


def test_phrases_win_over_their_words():
    assert sentiment.label(sentiment.score("nunca llegó")) == "negative"
    assert sentiment.label(sentiment.score("buenas tardes")) == "neutral"
    assert sentiment.label(sentiment.score("la atención estuvo la raja")) == "positive"
    assert sentiment.label(sentiment.score("sin problemas")) == "positive"


def test_the_clause_after_but_counts_more():
    assert sentiment.score("bonita pero de mala calidad") < 0
    assert sentiment.score("it was late but the staff were great") > 0


def test_the_public_query_answers_language_label_and_score():
    found = queries.sentiment("the package is late again, so annoying")
    assert (found.language, found.label) == ("en", "negative") and found.score < 0
    found = queries.sentiment("me encantó, llegó al tiro")
    assert (found.language, found.label) == ("es", "positive") and found.score > 0
    assert queries.sentiment("hello", language="es").language == "es"  # the hint wins


def _rows(name):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def test_the_held_out_set_is_large_balanced_and_apart_from_the_tuning_set():
    heldout, dev = _rows("sentiment.heldout.tsv"), _rows("sentiment.dev.tsv")
    assert len(heldout) >= 300
    assert sum(1 for r in heldout if r[2] == "es") == sum(1 for r in heldout if r[2] == "en")
    assert not {r[0].lower() for r in heldout} & {r[0].lower() for r in dev}
    code = Path(sentiment.__file__).read_text(encoding="utf-8")
    assert "heldout" not in code.replace("sentiment.heldout.tsv (bench", "")


@pytest.mark.parametrize("language", ["es", "en"])
def test_three_class_accuracy_on_the_held_out_set_reaches_the_goal(language):
    rows = [r for r in _rows("sentiment.heldout.tsv") if r[2] == language]
    right = sum(sentiment.label(sentiment.score(text)) == label for text, label, _ in rows)
    assert right / len(rows) >= 0.85

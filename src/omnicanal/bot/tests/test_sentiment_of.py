"""`nlu.sentiment_of`: the sentiment alone, as `parse` gives it, without training the models
(review moderation calls it; the first demo load then skips the training)."""

import pytest

from omnicanal.bot import nlu

TEXTS = ["Me encantó, llegó rápido", "Se rompió a la semana, pésimo", "El color no es igual al de la foto.", "",
         "x" * (nlu.MAX_TEXT + 50) + " pésimo"]


@pytest.mark.django_db  # parse's entities read the catalogue
@pytest.mark.parametrize("text", TEXTS)
def test_sentiment_of_equals_parses_sentiment(text):
    assert nlu.sentiment_of(text) == nlu.parse(text).sentiment


def test_sentiment_of_does_not_train_the_models(monkeypatch):
    monkeypatch.setattr(nlu, "_models", None)
    monkeypatch.setattr(nlu, "_Models", lambda *a, **k: pytest.fail("sentiment_of trained the models"))
    assert nlu.sentiment_of("pésimo servicio, nunca más") < 0

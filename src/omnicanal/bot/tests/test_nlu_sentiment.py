"""Issue 16 item 4: negative sentiment hands a conversation over, so clear anger must score at or
below NEGATIVE_THRESHOLD and clear praise well above zero, in Spanish and English."""

import pytest

from omnicanal.bot.nlu import sentiment

NEGATIVE = [
    "pésimo servicio, llevo dos semanas esperando 😡",
    "son unos ladrones, voy a poner un reclamo en el SERNAC",
    "estoy muy molesta, el casco llegó roto",
    "que verguenza, nunca mas les compro",
    "this is the worst service ever, I'm furious",
    "my order is late AGAIN, totally unacceptable",
    "the bike arrived broken, very disappointed 👎",
    "useless bot, I hate this",
]
POSITIVE = [
    "muchas gracias, excelente atención!",
    "bacán, me encantaron las zapatillas 😍",
    "súper rápido el despacho, muy contenta",
    "thank you so much, great service",
    "I love the shoes, amazing quality",
    "awesome, really helpful 👍",
]
NEUTRAL = ["dónde está mi pedido", "a qué hora abren", "what time do you open", "do you have size 42"]


@pytest.mark.parametrize("text", NEGATIVE)
def test_clear_negatives_reach_the_hand_off_threshold(text):
    assert sentiment.score(text) <= sentiment.NEGATIVE_THRESHOLD


@pytest.mark.parametrize("text", POSITIVE)
def test_clear_positives_score_high(text):
    assert sentiment.score(text) >= 0.4


@pytest.mark.parametrize("text", NEUTRAL)
def test_plain_questions_are_neutral(text):
    assert sentiment.score(text) == 0


def test_negation_and_intensifiers():
    assert sentiment.score("no es bueno") < 0 < sentiment.score("es bueno")
    assert sentiment.score("not good at all") < 0
    assert sentiment.score("no está malo") > 0
    assert sentiment.score("muy malo") < sentiment.score("malo") < 0
    assert sentiment.score("very good") > sentiment.score("good") > 0


def test_scores_stay_between_minus_one_and_one():
    assert -1 <= sentiment.score("horrible horrible horrible pésimo estafa 😡😡😡🤬") <= -0.9
    assert 0.9 <= sentiment.score("excelente genial increíble perfecto 😍😍") <= 1

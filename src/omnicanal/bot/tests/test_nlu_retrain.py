"""Issue 16 item 5: staff add examples from the console and the bot retrains in-process."""

import pytest

from omnicanal.bot import nlu

pytestmark = pytest.mark.usefixtures("shipped_model")

NEW_WAY = "y el flurbo kiosko zeta?"  # words no shipped example has: staff teach what they mean


def test_retraining_with_staff_examples_teaches_a_new_way_of_asking():
    before = nlu.classify(NEW_WAY)
    assert before[0] == "other"
    nlu.retrain([
        ("flurbo kiosko zeta", "loyalty_balance", "es"),
        ("mi flurbo kiosko", "loyalty_balance", "es"),
        ("ver el flurbo zeta", "loyalty_balance", "es"),
        ("my flurbo kiosko zeta", "loyalty_balance", "en"),
    ])
    intent, confidence, _ = nlu.classify(NEW_WAY)
    assert intent == "loyalty_balance" and confidence > before[1]
    assert nlu.classify("dónde está mi pedido")[0] == "order_status"  # the shipped examples stay


def test_retraining_replaces_the_previous_staff_examples():
    nlu.retrain([("flurbo kiosko zeta", "loyalty_balance", "es")] * 3)
    nlu.retrain([])
    assert nlu.classify(NEW_WAY)[0] == "other"


@pytest.mark.parametrize("bad", [
    [("hola", "chitchat", "es")], [("hola", "greeting", "fr")], [("   ", "greeting", "es")],
])
def test_bad_examples_are_refused_and_the_model_keeps_answering(bad):
    model = nlu._trained()
    with pytest.raises(ValueError):
        nlu.retrain(bad)
    assert nlu._trained() is model
    assert nlu.classify("hola")[0] == "greeting"

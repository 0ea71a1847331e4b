"""Slot filling asks short questions ("¿lo reservo?", "¿en qué talla?"): the short answers must not
be mistaken for an intent, and a yes or a no is read as such."""

import pytest

from omnicanal.bot import nlu


@pytest.mark.parametrize("text", ["sí", "no", "no po", "yes", "nope", "claro que sí"])
def test_yes_and_no_have_no_intent_of_their_own(text):
    assert nlu.classify(text)[0] == "other"


@pytest.mark.parametrize("text, meaning", [
    ("sí", True), ("si po", True), ("Dale!", True), ("ya", True), ("yes please", True), ("sure", True),
    ("no", False), ("no po", False), ("nope", False), ("no thanks", False), ("no gracias", False),
    ("sí, no, no sé", False), ("dónde está mi pedido", None), ("42", None), ("", None),
    ("sí quiero reservar las zapatillas talla 42 en la tienda del centro", None),
])
def test_affirmation(text, meaning):
    assert nlu.affirmation(text) is meaning

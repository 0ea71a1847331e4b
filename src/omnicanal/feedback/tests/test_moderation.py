"""What holds a review for a person: profanity (es and en lists in the repo), personal data (email,
phone, RUT) and a very low rating with angry text (held and flagged as an alert)."""

import pytest

from omnicanal.feedback import moderation


def calm(text):
    return 0.0


def furious(text):
    return -0.9


@pytest.mark.parametrize("text", ["Es una mierda", "QUÉ WEÓN el vendedor", "this is shit", "Fucking slow delivery",
                                  "culiaos no llegó"])
def test_profanity_in_either_language_is_held(text):
    assert moderation.check_review(text, 4, sentiment=calm).flags == ("profanity",)


@pytest.mark.parametrize("text", ["Muy buenas zapatillas", "Great socks, would buy again", "Los colores son preciosos",
                                  "class act", "Se me pasó el plazo"])
def test_clean_text_is_published(text):
    verdict = moderation.check_review(text, 5, sentiment=calm)
    assert not verdict.held and not verdict.alert, verdict


@pytest.mark.parametrize("text,kind", [
    ("escríbeme a ana.perez@example.cl", "email"),
    ("mi fono es +56 9 8765 4321", "phone"),
    ("llámame al 987654321.", "phone"),
    ("call (212) 555-0142 please", "phone"),
    ("mi rut 12.345.678-5", "rut"),
    ("RUT 12345678-5", "rut"),
])
def test_personal_data_is_held(text, kind):
    assert kind in moderation.personal_data(text)
    assert moderation.check_review(text, 5, sentiment=calm).flags == ("personal_data",)


@pytest.mark.parametrize("text", ["Talla 42, color azul", "Lo compré el 12.03.2026", "Pagué $49.990", "Modelo 2024-25",
                                  "Costó 12.345.678"])
def test_numbers_that_are_not_personal_data_pass(text):
    assert moderation.personal_data(text) == []


def test_a_rut_with_a_wrong_check_digit_is_not_taken_for_one():
    assert "rut" not in moderation.personal_data("12.345.678-9")


def test_a_very_low_rating_with_angry_text_is_held_and_alerts():
    verdict = moderation.check_review("Nunca llegó y nadie responde", 1, sentiment=furious)
    assert verdict.flags == ("angry",) and verdict.alert


def test_the_angry_threshold_is_a_setting(settings):
    text = "No me gustó"
    assert not moderation.check_review(text, 2, sentiment=lambda t: -0.3).held
    settings.OMNICANAL = {**settings.OMNICANAL, "FEEDBACK": {"ANGRY_SENTIMENT": -0.2}}
    assert moderation.check_review(text, 2, sentiment=lambda t: -0.3).alert


def test_shouting_at_one_star_is_angry_whatever_the_sentiment_model_says():
    assert moderation.check_review("NUNCA MÁS COMPRO AQUÍ, PÉSIMO SERVICIO", 1, sentiment=calm).alert
    assert moderation.check_review("Horrible!!!", 2, sentiment=calm).alert
    # a good rating is never an alert, however loud
    assert not moderation.check_review("ME ENCANTARON!!!", 5, sentiment=furious).alert


def test_a_low_rating_without_text_is_published():
    assert not moderation.check_review("", 1, sentiment=furious).held

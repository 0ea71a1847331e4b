"""Issue 16 item 3: store hours and addresses from the locations, points for the identified customer,
slot filling across turns and the context's expiry (Telegram's webhook format)."""

import datetime as dt

import pytest

from omnicanal.core import clock

pytestmark = pytest.mark.django_db


def test_store_hours_and_address_come_from_the_location(telegram, world):
    answers = telegram("¿A qué hora abre la tienda de Providencia?")
    assert len(answers) == 1
    assert "Tienda Providencia" in answers[0] and "Av. Providencia 2100" in answers[0] and "00:00-23:59" in answers[0]
    assert "abierta ahora" in answers[0]


def test_points_for_the_identified_customer(whatsapp, ana):
    answers = whatsapp("¿cuántos puntos tengo?")
    assert "Tienes 0 puntos" in answers[0] and "/account/loyalty/" in answers[0]


def test_english_is_answered_in_english(telegram, world):
    answers = telegram("What are the opening hours of the Providencia store?")
    assert "open now" in answers[0] and "Tienda Providencia" in answers[0]


def test_a_half_answered_question_is_forgotten_after_its_expiry(telegram, world):
    start = clock.now()
    with clock.frozen(start):
        assert "talla" in telegram("¿tienen las Pegasus?")[0]
        assert "Tienda Providencia" in telegram("42 en Providencia")[0]  # the slots of the pending question
    with clock.frozen(start + dt.timedelta(minutes=1)):
        assert "talla" in telegram("¿tienen las Pegasus?")[0]
    with clock.frozen(start + dt.timedelta(minutes=45)):
        late = telegram("42 en Providencia")[0]
    assert "Pegasus" not in late  # a new conversation turn, not the stale question


@pytest.mark.parametrize("named", ["PRO", "Tienda Providencia", "providencia"])
def test_a_store_and_a_product_are_understood_by_code_or_name(world, named):
    from omnicanal.bot import skills

    assert skills.location_code(named) == "PRO"
    assert skills.product_handle("Zapatilla Pegasus") == skills.product_handle("pegasus") != ""

"""Issue 16 item 3: store hours with holidays and special hours, through Telegram's webhook."""

import datetime as dt

import pytest

from omnicanal.core import clock

pytestmark = pytest.mark.django_db

CHRISTMAS_EVE_NOON = dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC)  # 12:00 in Santiago, a Thursday


@pytest.fixture
def christmas(world):
    from omnicanal.inventory import services as inventory

    inventory.do_set_holiday(location=world["PRO"], date=dt.date(2026, 12, 25), name="Navidad")
    inventory.do_set_holiday(location=world["PRO"], date=dt.date(2026, 12, 24), name="Nochebuena", closed=False,
                             opens=dt.time(10), closes=dt.time(16))
    return world


def test_the_bot_tells_tomorrows_holiday_and_todays_special_hours(telegram, christmas):
    with clock.frozen(CHRISTMAS_EVE_NOON):
        answer = telegram("¿A qué hora abre la tienda de Providencia?")[0]
    assert "Tienda Providencia" in answer and "abierta ahora" in answer
    assert "mañana 25 de diciembre cerrado (Navidad)" in answer
    assert "hoy 24 de diciembre abre 10:00–16:00 solamente (Nochebuena)" in answer


def test_on_the_holiday_itself_the_store_is_closed_now(telegram, christmas):
    with clock.frozen(CHRISTMAS_EVE_NOON + dt.timedelta(days=1)):
        answer = telegram("¿A qué hora abre la tienda de Providencia?")[0]
    assert "cerrada ahora" in answer and "hoy 25 de diciembre cerrado (Navidad)" in answer
    assert "Nochebuena" not in answer  # yesterday's special hours are past


def test_in_english_too(telegram, christmas):
    with clock.frozen(CHRISTMAS_EVE_NOON):
        answer = telegram("What are the opening hours of the Providencia store?")[0]
    assert "tomorrow December 25 closed (Navidad)" in answer and "open now" in answer


def test_an_ordinary_week_mentions_no_holiday(telegram, christmas):
    with clock.frozen(CHRISTMAS_EVE_NOON - dt.timedelta(days=30)):
        answer = telegram("¿A qué hora abre la tienda de Providencia?")[0]
    assert "Navidad" not in answer and "Feriados" not in answer

"""A customer's journey: touchpoints on every channel, oldest first, switches marked."""

import datetime as dt

from django.db import transaction

from omnicanal.analytics import queries
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.core import clock

H = dt.timedelta(hours=1)


def test_a_cart_in_the_app_a_web_pickup_order_and_its_pickup_in_store(shop, ana):
    from omnicanal.orders import services

    with clock.frozen(DAY + 8 * H), transaction.atomic():
        cart = services.do_create_cart(channel="app", customer_id=ana).public_id
    order = shop.place(ana, at=DAY + 9 * H, method="pickup", location="SCL", channel="web", pay=None)
    shop.ready(order, at=DAY + 10 * H)
    shop.collect(order, at=DAY + 11 * H)
    shop.step(order, "handover", at=DAY + 11 * H)

    journey = queries.journey(ana)

    assert [(s.kind, s.channel, s.ref[:4]) for s in journey.steps] == [
        ("cart", "app", cart[:4]), ("order", "web", "ord_"), ("pickup", "store", "ful_")]
    assert journey.steps[1].ref == order and journey.steps[2].at == DAY + 11 * H
    assert journey.channel_switches == 2


def test_a_customer_without_touchpoints_has_an_empty_journey(ana):
    journey = queries.journey(ana)
    assert journey.steps == () and journey.channel_switches == 0 and journey.customer_id == ana

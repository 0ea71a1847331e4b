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
        ("cart", "app", cart[:4]), ("order", "web", "ord_"), ("ready", "store", "ful_"), ("pickup", "store", "ful_")]
    assert journey.steps[1].ref == order and journey.steps[2].at == DAY + 10 * H and journey.steps[3].at == DAY + 11 * H
    assert journey.channel_switches == 2  # app → web → store


def test_a_shipment_is_shipped_then_delivered_at_the_door(shop, ana):
    order = shop.place(ana, at=DAY + 9 * H, method="ship", channel="web", pay=None)
    shop.collect(order, at=DAY + 9 * H)
    for action in ("pick", "pack"):
        shop.step(order, action, at=DAY + 10 * H)
    shop.step(order, "ship", at=DAY + 12 * H, data={"carrier": "manual", "tracking": "T-1"})
    shop.step(order, "deliver", at=DAY + 30 * H)

    journey = queries.journey(ana)

    assert [(s.kind, s.channel, s.at) for s in journey.steps] == [
        ("order", "web", DAY + 9 * H), ("shipped", "delivery", DAY + 12 * H), ("delivered", "delivery", DAY + 30 * H)]
    assert [s.switch for s in journey.steps] == [False, True, False]


def test_a_curbside_pickup_is_ready_then_the_customer_arrives_then_picks_up(shop, ana):
    order = shop.place(ana, at=DAY + 9 * H, method="curbside", location="SCL", channel="app", pay=None)
    shop.collect(order, at=DAY + 9 * H)
    shop.ready(order, at=DAY + 10 * H)
    shop.step(order, "arrived", at=DAY + 11 * H, data={"parking_spot": "3"})
    shop.step(order, "handover", at=DAY + 11 * H + H / 2)

    steps = queries.journey(ana).steps

    assert [(s.kind, s.channel) for s in steps] == [
        ("order", "app"), ("ready", "store"), ("arrived", "store"), ("pickup", "store")]
    assert len({s.ref for s in steps[1:]}) == 1  # the one fulfilment


def test_a_customer_without_touchpoints_has_an_empty_journey(ana):
    journey = queries.journey(ana)
    assert journey.steps == () and journey.channel_switches == 0 and journey.customer_id == ana

"""Reactions as events (issue 14): the order book emits typed facts and loyalty earns and takes back
points in its own handlers of them, after the commit, exactly once per order."""

import dataclasses
import typing
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core import outbox
from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.loyalty import handlers as loyalty_handlers
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import program
from omnicanal.orders import events, services
from omnicanal.orders.models import Payment
from omnicanal.orders.services import LineIn, PaymentIn
from omnicanal.orders.tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db

CASH_AT_THE_TILL = {"method": "carry_out", "location": "SCL"}


@pytest.fixture
def club(world):
    """A program that earns 1 point per 100 pesos."""
    with transaction.atomic():
        program.do_configure_program(name="Club Andes", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)


def points_of(customer_id):
    with transaction.atomic():
        return loyalty.summary(customer_id).points


def sell_socks(customer_id, quantity=2):
    """A POS sale paid in cash: paid at once (OrderPaid in the same transaction)."""
    with transaction.atomic():
        return services.do_place_order(channel="pos", customer_id=customer_id, delivery=CASH_AT_THE_TILL,
                                       lines=[LineIn("SOCK-1", quantity)], payments=[PaymentIn(method="cash")])


def ship_paid_by_card(customer_id):
    """A web order paid by card: pending until the provider captures it."""
    with transaction.atomic():
        order = services.do_place_order(channel="web", customer_id=customer_id, lines=[LineIn("SOCK-1", 2)],
                                        delivery={"method": "ship", "address": ADDRESS})
    with transaction.atomic():
        services.do_payment_event(provider="testpay", event_id="evt-1", status="captured",
                                  payment_id=Payment.objects.get(order__public_id=order.public_id).public_id)
    return order


def run(callbacks):
    for callback in callbacks:
        callback()


def test_points_are_earned_by_loyalty_after_the_order_commits_and_only_once(club, customer_id,
                                                                           django_capture_on_commit_callbacks):
    # given a customer with no points
    # when a 10,000 sale is paid at the till, its after-commit reactions held back
    with django_capture_on_commit_callbacks() as callbacks:
        order = sell_socks(customer_id)
    # then the order's own transaction earned nothing: the points are loyalty's reaction to OrderPaid
    assert points_of(customer_id) == 0
    paid = OutboxEvent.objects.get(topic="orders.OrderPaid")
    assert paid.status == OutboxStatus.PENDING and paid.payload["order_id"] == order.public_id
    # when the reactions run (as after any commit), then 1 point per 100 pesos is earned
    run(callbacks)
    assert points_of(customer_id) == 100
    # and a replay earns nothing more: the dispatcher knows the handler ran, and the handler itself
    # is keyed on the order
    assert outbox.dispatch(paid.pk) is True
    with transaction.atomic():
        loyalty_handlers.earn_on_order_paid(outbox.Envelope(id=paid.pk, topic=paid.topic, payload=paid.payload,
                                                            occurred_at=paid.created_at))
    assert points_of(customer_id) == 100
    assert OutboxEvent.objects.filter(topic="loyalty.PointsEarned").count() == 1


def test_loyalty_earns_on_an_order_paid_event_without_knowing_the_order_book(club, customer_id,
                                                                           django_capture_on_commit_callbacks):
    # given an OrderPaid written to the outbox by anyone (loyalty reads only the payload)
    fact = events.OrderPaid(order_id="ord_elsewhere", order_number="AS-9", customer_id=customer_id, channel="web",
                            total=_clp(30000), lines=(events.LineFact("SOCK-1", 6, _clp(30000), "zapatillas"),))
    # when it commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.emit(fact)
    # then loyalty earned its points
    assert points_of(customer_id) == 300


def test_a_cancelled_paid_order_gives_its_points_back_through_order_cancelled(club, customer_id,
                                                                             django_capture_on_commit_callbacks):
    # given a web order paid by card that earned 100 points
    with django_capture_on_commit_callbacks(execute=True):
        order = ship_paid_by_card(customer_id)
    assert points_of(customer_id) == 100
    # when it is cancelled before it ships
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.do_cancel_order(order=order, reason="changed my mind")
    # then the points are taken back, and the event says it had been paid and for how much
    assert points_of(customer_id) == 0
    cancelled = OutboxEvent.objects.get(topic="orders.OrderCancelled").payload
    assert cancelled["paid"] is True and cancelled["total"] == {"amount": "13990", "currency": "CLP"}  # with shipping


def test_a_cancellation_handled_before_its_earn_waits_and_still_takes_the_points_back(
        club, customer_id, django_capture_on_commit_callbacks):
    # given a paid order whose earn has not run yet (its handler failed and waits for the relay)
    with django_capture_on_commit_callbacks():
        order = ship_paid_by_card(customer_id)
    # when the cancellation's reactions run first
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.do_cancel_order(order=order, reason="changed my mind")
    cancelled = OutboxEvent.objects.get(topic="orders.OrderCancelled")
    cancelled.refresh_from_db()
    # then the reversal did not pass by: it is pending a retry
    assert cancelled.status == OutboxStatus.PENDING and cancelled.attempts == 1
    assert "EarnNotRecordedYet" in cancelled.last_error
    # and once the earn ran, the retry takes the points back
    # (dispatch answers False when it hands the worker a part: immediate in tests, so done at once)
    paid = OutboxEvent.objects.get(topic="orders.OrderPaid")
    outbox.dispatch(paid.pk)
    assert points_of(customer_id) == 100
    outbox.dispatch(cancelled.pk)
    assert points_of(customer_id) == 0
    assert {e.status for e in OutboxEvent.objects.filter(pk__in=[paid.pk, cancelled.pk])} == {OutboxStatus.DONE}


def test_a_return_takes_back_the_points_of_what_it_refunded_through_return_received(
        club, customer_id, django_capture_on_commit_callbacks):
    # given two pairs of socks sold at the till that earned 100 points
    with django_capture_on_commit_callbacks(execute=True):
        order = sell_socks(customer_id)
    assert points_of(customer_id) == 100
    # when one pair comes back and is refunded
    with transaction.atomic():
        ret = services.do_request_return(order=order, location="SCL", lines=[{"sku": "SOCK-1", "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.do_receive_return(return_id=ret.public_id, actor=SYSTEM)
    # then half the points go, and the event carries what was refunded
    assert points_of(customer_id) == 50
    received = OutboxEvent.objects.get(topic="orders.ReturnReceived").payload
    assert received["refunded"] == {"amount": "5000", "currency": "CLP"} and received["paid"] is True


def test_order_events_carry_one_order_number_and_typed_money(club, customer_id):
    # when an order is sold and paid
    order = sell_socks(customer_id)
    # then every order event names the number once, as order_number, and money as amount + currency
    for row in OutboxEvent.objects.filter(topic__startswith="orders."):
        assert "number" not in row.payload and row.payload["order_number"] == order.number, row.topic
    paid = OutboxEvent.objects.get(topic="orders.OrderPaid").payload
    assert paid["total"] == {"amount": "10000", "currency": "CLP"}
    assert paid["lines"] == [{"sku": "SOCK-1", "quantity": 2, "amount": {"amount": "10000", "currency": "CLP"},
                              "category": "zapatillas"}]
    placed = OutboxEvent.objects.get(topic="orders.OrderPlaced").payload
    assert placed["total"] == paid["total"] and placed["lines"] == paid["lines"]
    # and no event of the order book declares a loose dict
    for cls in vars(events).values():
        if dataclasses.is_dataclass(cls) and cls.__module__ == events.__name__:
            hints = typing.get_type_hints(cls, vars(events))
            assert not [name for name, hint in hints.items() if "dict" in str(hint)], cls.__name__


def _clp(amount):
    from omnicanal.core.money import Money

    return Money(Decimal(amount), "CLP")

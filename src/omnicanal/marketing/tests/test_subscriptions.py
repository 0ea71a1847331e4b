"""Subscriptions: each cycle reserves its units ahead, reminds the customer, places the order paid
with their stored value; a failed payment is retried, then the subscription pauses and the customer
is told; skip, pause, resume, change and cancel."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.core import clock
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory.models import Reservation
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.conftest import START

DAY = dt.timedelta(days=1)
FIRST = (START + 10 * DAY).date()  # the first cycle's date


def credit(customer_id, amount):
    from omnicanal.loyalty.services import stored_value

    with transaction.atomic():
        stored_value.do_grant_store_credit(customer_id=customer_id, amount=Money.of(amount), reason="service_recovery")


def balance(customer_id):
    from omnicanal.loyalty import queries as loyalty

    return loyalty.spendable(customer_id)


def subscribe(customer_id, *, sku="GEL-1", quantity=4, interval=30, method="pickup", location="SCL"):
    with clock.frozen(START), transaction.atomic():
        return subs.do_subscribe(customer_id=customer_id, lines=[subs.LineSpec(sku, quantity)], interval_days=interval,
                                 delivery_method=method, location=location, next_date=FIRST).public_id


def run(subscription_id, at):
    with clock.frozen(at):
        return subs.do_run_subscription(subscription_id=subscription_id, at=at)


def at_noon(date):
    return dt.datetime.combine(date, dt.time(15, 0), tzinfo=dt.UTC)  # 12:00 in Santiago


def get(subscription_id):
    return Subscription.objects.get(public_id=subscription_id)


def held(subscription_id, date):
    return Reservation.objects.filter(reference=f"{subscription_id}:{date.isoformat()}", status="active").exists()


def notices(customer_id, kind):
    return Message.objects.filter(conversation__customer_id=customer_id, meta__notification=f"marketing.subscription.{kind}")


def test_a_cycle_reserves_ahead_reminds_and_places_the_order_with_stored_value(ana):
    from omnicanal.orders.models import Order

    # given Ana subscribed to 4 gels every 30 days, picked up at SCL, with 20.000 of store credit
    credit(ana, 20000)
    sub = subscribe(ana)
    # four days before nothing happens; three days before the units are held for that cycle
    assert run(sub, at_noon(FIRST - 4 * DAY)) == []
    assert run(sub, at_noon(FIRST - 3 * DAY)) == ["reserved"]
    assert held(sub, FIRST)
    # two days before she is reminded (transactional: no marketing consent needed), once
    assert run(sub, at_noon(FIRST - 2 * DAY)) == ["reminded"]
    assert run(sub, at_noon(FIRST - DAY)) == []
    reminder = notices(ana, "reminder").get()
    assert "Gel Maratón" in reminder.text
    # on the date the order is placed, paid with her balance, and the reservation handed to it
    assert run(sub, at_noon(FIRST)) == ["ordered"]
    row = get(sub)
    assert row.last_order_id and row.orders_placed == 1 and row.next_date == FIRST + 30 * DAY
    assert not held(sub, FIRST)
    order = Order.objects.get(public_id=row.last_order_id)
    assert order.total == 8000 and order.customer_id == ana and order.delivery_location == "SCL"
    assert [(p.method, p.status) for p in order.payments.all()] == [("stored_value", "captured")]
    assert balance(ana).store_credit.amount == 12000
    # and the same day's later runs do not order again
    assert run(sub, at_noon(FIRST) + dt.timedelta(hours=1)) == []


def test_a_failed_payment_is_retried_then_the_subscription_pauses_and_the_customer_is_told(ana):
    # given Ana subscribed with no balance at all
    sub = subscribe(ana)
    when = at_noon(FIRST)
    assert run(sub, when) == ["failed"]
    row = get(sub)
    assert row.state == "active" and row.failures == 1 and "balance" in row.last_error
    # not retried before its time
    assert run(sub, when + dt.timedelta(hours=11)) == []
    # retried after 12, 24 and 48 hours; the last failure pauses it and tells her
    assert run(sub, when + dt.timedelta(hours=12)) == ["failed"]
    assert run(sub, when + dt.timedelta(hours=36)) == ["failed"]
    assert notices(ana, "paused").count() == 0
    assert run(sub, when + dt.timedelta(hours=84)) == ["failed"]
    row = get(sub)
    assert row.state == "paused" and row.pause_reason == "payment_failed" and not row.last_order_id
    assert notices(ana, "paused").count() == 1
    assert run(sub, when + dt.timedelta(hours=200)) == []  # paused: nothing more


def test_a_retry_succeeds_once_the_balance_is_there(ana):
    sub = subscribe(ana)
    assert run(sub, at_noon(FIRST - 3 * DAY)) == ["reserved"]
    assert run(sub, at_noon(FIRST)) == ["failed"]
    assert held(sub, FIRST)  # the failed attempt keeps the units held for the retry
    credit(ana, 8000)
    assert run(sub, at_noon(FIRST) + dt.timedelta(hours=12)) == ["ordered"]
    assert get(sub).failures == 0 and not held(sub, FIRST)


def test_skip_moves_to_the_next_cycle_and_frees_the_units(ana):
    credit(ana, 20000)
    sub = subscribe(ana)
    run(sub, at_noon(FIRST - 3 * DAY))
    assert held(sub, FIRST)
    with clock.frozen(at_noon(FIRST - 2 * DAY)), transaction.atomic():
        subs.do_skip_next(subscription_id=sub)
    assert not held(sub, FIRST) and get(sub).next_date == FIRST + 30 * DAY
    assert run(sub, at_noon(FIRST)) == []  # nothing ordered on the skipped date


def test_pause_resume_and_cancel(ana):
    credit(ana, 20000)
    sub = subscribe(ana)
    run(sub, at_noon(FIRST - 3 * DAY))
    with clock.frozen(at_noon(FIRST - 2 * DAY)), transaction.atomic():
        subs.do_pause(subscription_id=sub)
    assert get(sub).state == "paused" and not held(sub, FIRST)
    assert run(sub, at_noon(FIRST)) == []
    # resumed after the date passed: the next date moves on by whole intervals
    with clock.frozen(at_noon(FIRST + 5 * DAY)), transaction.atomic():
        subs.do_resume(subscription_id=sub)
    assert get(sub).state == "active" and get(sub).next_date == FIRST + 30 * DAY
    with clock.frozen(at_noon(FIRST + 6 * DAY)), transaction.atomic():
        subs.do_cancel(subscription_id=sub)
    assert get(sub).state == "cancelled"
    with pytest.raises(Conflict), clock.frozen(at_noon(FIRST + 6 * DAY)), transaction.atomic():
        subs.do_skip_next(subscription_id=sub)


def test_change_the_lines_interval_and_store(ana):
    credit(ana, 50000)
    sub = subscribe(ana)
    run(sub, at_noon(FIRST - 3 * DAY))
    with clock.frozen(at_noon(FIRST - 2 * DAY)), transaction.atomic():
        subs.do_change(subscription_id=sub, lines=[subs.LineSpec("GEL-2", 2)], interval_days=45)
    row = get(sub)
    assert row.lines == [{"sku": "GEL-2", "quantity": 2}] and row.interval_days == 45
    # the old units given back and the new lines held at once (test_subscription_box.py: what is held)
    assert held(sub, FIRST) and row.reserved_for == FIRST
    assert run(sub, at_noon(FIRST - DAY)) == ["reminded"]
    assert run(sub, at_noon(FIRST)) == ["ordered"]
    assert get(sub).next_date == FIRST + 45 * DAY


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"interval": 3}, "interval_days"),
    ({"method": "carry_out"}, "delivery_method"),
    ({"location": "WH"}, "location"),
    ({"sku": "NOPE-1"}, "lines.0.sku"),
    ({"quantity": 0}, "lines.0.quantity"),
])
def test_a_bad_subscription_is_refused_naming_the_field(ana, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        subscribe(ana, **kwargs)
    assert refused.value.errors[0].field == field
    assert not Subscription.objects.exists()


def test_the_periodic_run_places_every_due_subscription(ana, bea):
    credit(ana, 20000)
    credit(bea, 20000)
    first, second = subscribe(ana), subscribe(bea, quantity=2)
    with clock.frozen(at_noon(FIRST)):
        assert subs.do_run_due() == 2
        assert subs.do_run_due() == 0
    assert get(first).orders_placed == 1 and get(second).orders_placed == 1

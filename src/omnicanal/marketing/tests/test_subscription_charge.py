"""A subscription's card charge never happens without its order (issue 18): the cycle's order is
committed first and awaits its charge; the charge is sent once, outside any transaction; a crash
after Transbank approved, or a silent Transbank, leaves the payment pending until orders' sweep asks
Transbank's status (paid, or cancelled when nothing was charged); the subscription learns the
outcome from orders (its queries, its events), never from its tables."""

import datetime as dt

import pytest

from omnicanal.core import clock
from omnicanal.marketing.tests.test_subscription_card import (  # noqa: F401  (sandbox: the autouse fixture)
    sandbox,
    save_card_in_the_shop,
    subscribe_with_card,
)
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, get, run
from omnicanal.orders import queries as order_queries
from omnicanal.orders import services as order_services
from omnicanal.orders import tasks
from omnicanal.orders.models import Order
from omnicanal.orders.oneclick import OneclickClient
from omnicanal.orders.services import card_charges
from omnicanal.orders.webpay_wire import WebpayRefused, WebpayUnavailable

DAY = dt.timedelta(days=1)
WHEN = at_noon(FIRST)
LATER = WHEN + dt.timedelta(minutes=card_charges.SETTLE_MINUTES + 1)


def dies(*args, **kwargs):
    raise RuntimeError("the worker was killed")


def transbank_status(order):
    """What Transbank holds for the order's buy order (its only payment): the detail's status, or None."""
    try:
        answer = OneclickClient().status(order.payments.get().public_id.removeprefix("pay_"))
    except WebpayRefused:
        return None
    return answer["details"][0]["status"]


def sweep(at):
    with clock.frozen(at):
        return order_services.do_settle_card_charges(now=at)


def run_with(monkeypatch, sub, target, name, replacement, *, raises=None):
    """The cycle's run on its date with `target.name` replaced (a dying worker, a silent Transbank)."""
    monkeypatch.setattr(target, name, replacement)
    try:
        if raises is None:
            return run(sub, WHEN)
        with pytest.raises(raises):
            run(sub, WHEN)
    finally:
        monkeypatch.undo()


def silent(*, reached: bool, late: list | None = None):
    """Transbank's authorization timing out: after charging (`reached`), or kept for later (`late`)."""
    authorize = OneclickClient.authorize

    def times_out(self, **kwargs):
        if late is not None:
            late.append((self, kwargs))
        elif reached:  # Transbank charged it, its answer was lost on the way back
            authorize(self, **kwargs)
        raise WebpayUnavailable("ReadTimeout: timed out")

    return times_out


def test_a_crash_after_transbank_approved_ends_with_the_order_paid_by_the_sweep(ana, monkeypatch):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))

    # given the process dies right after Transbank approved, before the approval is recorded
    run_with(monkeypatch, sub, card_charges, "_decide", dies, raises=RuntimeError)
    # then the charge exists with its order, committed and waiting: never a charge without its order
    [order] = Order.objects.all()
    assert transbank_status(order) == "AUTHORIZED" and order.status == "pending_payment"
    assert get(sub).charging_order_id == order.public_id and order_queries.card_charge(order.public_id) == "charging"
    # a run meanwhile sends nothing twice and places nothing more
    assert run(sub, WHEN + dt.timedelta(minutes=1)) == ["charging"] and Order.objects.count() == 1
    # the sweep, minutes later, asks Transbank: authorized → captured, the order paid
    assert sweep(WHEN + dt.timedelta(minutes=2)) == 0  # too fresh: its answer may still be on its way
    with clock.frozen(LATER):
        assert tasks.settle_pending_card_charges.call_local() == 1  # the periodic task itself
    order.refresh_from_db()
    assert order.status == "paid" and order.payments.get().status == "captured"
    # and the subscription learns it from orders: the cycle is done, the next one an interval on
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    row = get(sub)
    assert (row.charging_order_id, row.last_order_id, row.orders_placed) == ("", order.public_id, 1)
    assert row.next_date == FIRST + 30 * DAY and row.failures == 0 and Order.objects.count() == 1


def test_a_crash_before_the_charge_was_sent_is_charged_by_the_next_run(ana, monkeypatch):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))

    # given the process dies after the order committed, before the charge was claimed
    run_with(monkeypatch, sub, order_services, "do_charge_stored_card", dies, raises=RuntimeError)
    [order] = Order.objects.all()
    assert order_queries.card_charge(order.public_id) == "awaiting" and transbank_status(order) is None
    # the sweep leaves an unsent charge to the subscription's run (it fails it only hours later)
    assert sweep(LATER) == 0
    # the next run charges it: paid, once
    assert run(sub, WHEN + dt.timedelta(hours=1)) == ["ordered"]
    order.refresh_from_db()
    assert order.status == "paid" and transbank_status(order) == "AUTHORIZED" and Order.objects.count() == 1


def test_a_charge_never_sent_is_cancelled_by_the_sweep_hours_later_and_the_cycle_retried(ana, monkeypatch):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    run_with(monkeypatch, sub, order_services, "do_charge_stored_card", dies, raises=RuntimeError)
    [order] = Order.objects.all()
    # nobody ran it again for UNCLAIMED_HOURS: nothing was charged, the order is cancelled
    assert sweep(WHEN + dt.timedelta(hours=card_charges.UNCLAIMED_HOURS, minutes=1)) == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and transbank_status(order) is None
    # the subscription counts a failed attempt and retries after RETRY_HOURS
    assert run(sub, WHEN + dt.timedelta(hours=7)) == ["failed"]
    row = get(sub)
    assert row.failures == 1 and row.charging_order_id == "" and row.retry_at == WHEN + dt.timedelta(hours=19)


@pytest.mark.parametrize("reached", [True, False], ids=["charged-then-silent", "never-reached"])
def test_a_silent_transbank_leaves_the_payment_pending_then_the_sweep_decides(ana, monkeypatch, reached):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    # the run ends with the charge pending: the order committed, nothing decided
    assert run_with(monkeypatch, sub, OneclickClient, "authorize", silent(reached=reached)) == ["charging"]
    [order] = Order.objects.all()
    assert order.status == "pending_payment" and order_queries.card_charge(order.public_id) == "charging"
    # Transbank silent at the sweep too: still pending
    monkeypatch.setattr(OneclickClient, "status", lambda self, buy_order: (_ for _ in ()).throw(WebpayUnavailable("x")))
    assert sweep(LATER) == 0
    monkeypatch.undo()
    # then Transbank's status decides: charged → paid; never got it → cancelled, the cycle retried
    assert sweep(LATER) == 1
    order.refresh_from_db()
    assert order.status == ("paid" if reached else "cancelled")
    assert transbank_status(order) == ("AUTHORIZED" if reached else None)
    done = run(sub, LATER + dt.timedelta(hours=1))
    assert done == (["paid"] if reached else ["failed"])
    assert get(sub).orders_placed == (1 if reached else 0) and get(sub).charging_order_id == ""


def test_orders_events_tell_the_subscription_at_once(ana, monkeypatch, django_capture_on_commit_callbacks):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    assert run_with(monkeypatch, sub, OneclickClient, "authorize", silent(reached=True)) == ["charging"]
    # the sweep's commit emits OrderPaid: marketing's handler settles the subscription, no run needed
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(LATER) == 1
    row = get(sub)
    assert row.charging_order_id == "" and row.orders_placed == 1 and row.next_date == FIRST + 30 * DAY


def test_an_approval_arriving_after_the_sweep_cancelled_the_order_is_given_back(ana, monkeypatch):
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    late: list = []  # the request reaches Transbank only after the sweep decided
    assert run_with(monkeypatch, sub, OneclickClient, "authorize", silent(reached=False, late=late)) == ["charging"]
    [order] = Order.objects.all()
    assert sweep(LATER) == 1  # Transbank does not know the buy order yet: failed, order cancelled
    # the request lands at Transbank afterwards and is approved: the approval is reversed, never kept
    self, kwargs = late[0]
    answer = OneclickClient.authorize(self, **kwargs)
    assert card_charges._decide(order.payments.get().public_id, kwargs["buy_order"], kwargs["amount"], answer,
                                event="charge") == "declined"
    order.refresh_from_db()
    assert order.status == "cancelled" and transbank_status(order) == "REVERSED"


def test_an_order_cancelled_while_the_subscription_is_paused_counts_no_failure(ana, monkeypatch):
    from omnicanal.marketing import subscriptions as subs

    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    run_with(monkeypatch, sub, OneclickClient, "authorize", lambda self, **kwargs: dies(), raises=RuntimeError)
    # the customer pauses while the charge's outcome is unknown; the sweep finds nothing was charged
    subs.do_pause(subscription_id=sub)
    assert sweep(LATER) == 1
    # the paused subscription lets the order go without counting a failed attempt or a retry
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["failed"]
    row = get(sub)
    assert (row.state, row.failures, row.retry_at, row.charging_order_id) == ("paused", 0, None, "")

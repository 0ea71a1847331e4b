"""A skip or a new date set while a cycle's card charge is pending (issue 18) is neither lost nor
applied twice: the charge settles the cycle it was placed for (`charging_for`), and a skip during it
skips the cycle after it, whichever comes first, the customer's act or Transbank's answer."""

import datetime as dt

from django.db import transaction

from omnicanal.core import clock
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.tests.test_subscription_card import (  # noqa: F401  (sandbox: the autouse fixture)
    sandbox,
    save_card_in_the_shop,
    subscribe_with_card,
)
from omnicanal.marketing.tests.test_subscription_charge import LATER, WHEN, run_with, silent, sweep
from omnicanal.marketing.tests.test_subscriptions import FIRST, get, run
from omnicanal.orders.models import Order
from omnicanal.orders.oneclick import OneclickClient

DAY = dt.timedelta(days=1)


def pending(monkeypatch, ana, *, reached=True):
    """A card subscription whose first cycle's order is placed, its charge's outcome unknown."""
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    assert run_with(monkeypatch, sub, OneclickClient, "authorize", silent(reached=reached)) == ["charging"]
    row = get(sub)
    assert row.charging_order_id and row.charging_for == FIRST and row.next_date == FIRST
    return sub


def skip(sub, at):
    with clock.frozen(at), transaction.atomic():
        return subs.do_skip_next(subscription_id=sub)


def test_a_skip_while_the_charge_is_pending_skips_the_cycle_after_it_once(ana, monkeypatch):
    sub = pending(monkeypatch, ana)
    # the customer skips meanwhile: the charged cycle stays ordered, the one after it is skipped
    assert skip(sub, WHEN + dt.timedelta(minutes=1)).next_date == FIRST + 60 * DAY
    # then the sweep finds it charged: paid, and the next date is not moved a second time
    assert sweep(LATER) == 1
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    row = get(sub)
    assert (row.next_date, row.orders_placed, row.charging_order_id, row.charging_for) == (FIRST + 60 * DAY, 1, "", None)
    assert Order.objects.get().status == "paid"


def test_a_skip_after_the_charge_settled_skips_the_next_cycle(ana, monkeypatch):
    sub = pending(monkeypatch, ana)
    # the other order of events: paid first, then the skip: the same next date
    assert sweep(LATER) == 1
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    assert get(sub).next_date == FIRST + 30 * DAY
    assert skip(sub, LATER + dt.timedelta(hours=2)).next_date == FIRST + 60 * DAY
    assert get(sub).orders_placed == 1


def test_a_date_chosen_while_the_charge_is_pending_is_kept_when_it_is_paid(ana, monkeypatch):
    sub = pending(monkeypatch, ana)
    chosen = FIRST + 20 * DAY
    with clock.frozen(WHEN + dt.timedelta(minutes=1)), transaction.atomic():
        subs.do_change(subscription_id=sub, next_date=chosen)
    assert sweep(LATER) == 1
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    assert (get(sub).next_date, get(sub).orders_placed) == (chosen, 1)
    # and a skip after it, once paid, moves on from the chosen date
    assert skip(sub, LATER + dt.timedelta(hours=2)).next_date == chosen + 30 * DAY


def test_a_charge_paid_while_nothing_changed_moves_on_one_interval(ana, monkeypatch):
    sub = pending(monkeypatch, ana)
    with clock.frozen(WHEN + dt.timedelta(minutes=1)), transaction.atomic():
        subs.do_change(subscription_id=sub, interval_days=45)  # not the date: the cycle moves on from it
    assert sweep(LATER) == 1
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    assert get(sub).next_date == FIRST + 45 * DAY


def test_a_skip_during_a_charge_that_is_then_declined_keeps_the_skip_and_counts_the_failure(ana, monkeypatch):
    sub = pending(monkeypatch, ana, reached=False)
    assert skip(sub, WHEN + dt.timedelta(minutes=1)).next_date == FIRST + 60 * DAY
    assert sweep(LATER) == 1  # never charged: the order cancelled
    assert run(sub, LATER + dt.timedelta(hours=1)) == ["failed"]
    row = get(sub)
    assert (row.next_date, row.failures, row.orders_placed, row.charging_for) == (FIRST + 60 * DAY, 1, 0, None)
    # nothing is placed before the date the customer's skip left
    assert run(sub, LATER + dt.timedelta(days=2)) == [] and Order.objects.count() == 1


def test_answering_skip_to_the_reminder_while_charging_names_the_cycle_it_skips(ana, monkeypatch):
    from django.utils import formats, translation

    from omnicanal.marketing.models import Subscription

    sub = pending(monkeypatch, ana)
    Subscription.objects.filter(public_id=sub).update(reminded_for=FIRST)  # the charged cycle was reminded
    with clock.frozen(WHEN + dt.timedelta(minutes=1)):
        said = subs.answer_reminder(customer_id=ana, channel="whatsapp", text="saltar", language="es")
    with translation.override("es"):
        skipped, coming = (formats.date_format(FIRST + n * DAY, "j F") for n in (30, 60))
    assert said is not None and f"saltamos el pedido del {skipped}" in said and coming in said
    assert get(sub).next_date == FIRST + 60 * DAY


def test_the_account_page_says_the_order_is_being_paid_and_what_a_skip_skips(ana, monkeypatch):
    from omnicanal.marketing.tests.test_subscription_page import PAGE, browser_for

    sub = pending(monkeypatch, ana)
    page = browser_for(ana).get(PAGE).content.decode()
    assert "se está pagando: si saltas ahora, saltas el siguiente." in page
    assert sweep(LATER) == 1 and run(sub, LATER + dt.timedelta(hours=1)) == ["paid"]
    assert "se está pagando" not in browser_for(ana).get(PAGE).content.decode()

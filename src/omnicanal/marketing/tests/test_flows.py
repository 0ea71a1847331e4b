"""Automated journeys: each flow's trigger and what stops it, all sent through the campaigns'
governance (consent, the weekly cap shared with campaigns, at most one flow message a day)."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import ValidationFailed
from omnicanal.marketing import campaigns, flows, services
from omnicanal.marketing.models import FlowEntry, FlowKind
from omnicanal.marketing.tests.conftest import START, buy, grant

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
NOON = START  # 12:00 in Santiago: open
WHATSAPP = {"whatsapp": {"es": {"template": "carro_olvidado", "language": "es", "params": ["name", "products"],
                                "text": "Hola {{ name }}, dejaste {{ products }} en tu carro."}}}


def enable(kind, **changes):
    with transaction.atomic():
        return flows.do_update_flow(kind=kind, actor=SYSTEM, enabled=True, **changes)


def flow_messages(customer_id):
    return Message.objects.filter(conversation__customer_id=customer_id, meta__notification=flows.TOPIC)


def run(at):
    with clock.frozen(at):
        return flows.do_run_flows(at=at)


def abandon_cart(customer_id, sku, *, at, capture, channel="app"):
    """The customer fills a cart on the app and leaves it; orders marks it abandoned (its event)."""
    from omnicanal.orders.services import carts

    with clock.frozen(at), transaction.atomic():
        cart = carts.do_create_cart(channel=channel, customer_id=customer_id)
        carts.do_set_cart_line(cart_id=cart.public_id, sku=sku, quantity=1)
    with clock.frozen(at + 2 * HOUR), capture(execute=True), transaction.atomic():
        carts.do_mark_abandoned(idle=HOUR)
    return cart.public_id


def entry(customer_id, kind):
    return FlowEntry.objects.get(customer_id=customer_id, flow__kind=kind)


def test_an_app_cart_left_gets_a_whatsapp_reminder(ana, django_capture_on_commit_callbacks):
    # given the abandoned-cart flow on WhatsApp with an approved template, an hour after; Ana accepts WhatsApp
    enable(FlowKind.ABANDONED_CART, delay_minutes=60, channels=["whatsapp", "email"], templates=WHATSAPP)
    grant(ana, "whatsapp")
    grant(ana, "email")
    # when she leaves a gel in her app cart
    abandon_cart(ana, "GEL-1", at=NOON, capture=django_capture_on_commit_callbacks)
    waiting = entry(ana, FlowKind.ABANDONED_CART)
    assert waiting.status == "waiting" and waiting.due_at == NOON + 3 * HOUR
    # then nothing before the delay, the WhatsApp template after it
    assert run(NOON + 2 * HOUR + 30 * dt.timedelta(minutes=1)) == 0
    assert run(NOON + 3 * HOUR) == 1
    message = flow_messages(ana).get()
    assert message.channel == "whatsapp" and message.meta["template"]["name"] == "carro_olvidado"
    assert message.meta["template"]["parameters"] == ["Ana", "Gel Maratón"]
    assert entry(ana, FlowKind.ABANDONED_CART).status == "sent"


def test_buying_in_a_store_stops_the_abandoned_cart_flow(ana, django_capture_on_commit_callbacks):
    enable(FlowKind.ABANDONED_CART, delay_minutes=60)
    grant(ana, "email")
    abandon_cart(ana, "GEL-1", at=NOON, capture=django_capture_on_commit_callbacks)
    # when she buys at the SCL store's POS before the reminder is due
    with django_capture_on_commit_callbacks(execute=True):
        buy(ana, "GEL-1", at=NOON + 2 * HOUR + 10 * dt.timedelta(minutes=1))
    # then the flow stops (recorded), and no message goes
    stopped = entry(ana, FlowKind.ABANDONED_CART)
    assert (stopped.status, stopped.reason) == ("stopped", "ordered")
    assert run(NOON + 4 * HOUR) == 0 and not flow_messages(ana).exists()


def test_no_consent_no_flow_message_and_the_reason_is_kept(ana, django_capture_on_commit_callbacks):
    enable(FlowKind.ABANDONED_CART, delay_minutes=0)
    grant(ana, "email", purpose="transactional")
    abandon_cart(ana, "GEL-1", at=NOON, capture=django_capture_on_commit_callbacks)
    assert run(NOON + 3 * HOUR) == 0
    assert (entry(ana, FlowKind.ABANDONED_CART).status, entry(ana, FlowKind.ABANDONED_CART).reason) == (
        "suppressed", "no_consent")


def test_a_disabled_flow_enrols_nobody(ana, django_capture_on_commit_callbacks):
    grant(ana, "email")
    abandon_cart(ana, "GEL-1", at=NOON, capture=django_capture_on_commit_callbacks)
    assert not FlowEntry.objects.exists()


def test_an_energy_gel_buyer_with_a_30_day_cycle_gets_the_reminder_around_day_27(ana):
    # given the replenishment flow, and Ana who bought a 30-day energy gel on day 0
    enable(FlowKind.REPLENISHMENT)
    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    # then nothing is due on day 26, the reminder goes on day 27 (once), naming the gel and the date
    for day in (20, 26):
        with clock.frozen(START + day * DAY):
            flows.do_enrol_periodic()
        assert run(START + day * DAY) == 0
    with clock.frozen(START + 27 * DAY):
        assert flows.do_enrol_periodic() == 1
    assert run(START + 27 * DAY) == 1
    message = flow_messages(ana).get()
    assert "Gel Maratón" in message.text and "1 abril" in message.text
    with clock.frozen(START + 28 * DAY):
        flows.do_enrol_periodic()
    assert run(START + 28 * DAY) == 0
    # and the old reminder task leaves it to the flow (never both)
    with clock.frozen(START + 27 * DAY):
        assert services.do_send_due_reminders() == 0


def test_a_new_gel_purchase_stops_the_waiting_reminder(ana, django_capture_on_commit_callbacks):
    enable(FlowKind.REPLENISHMENT, delay_minutes=60 * 24)
    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    with clock.frozen(START + 27 * DAY):
        flows.do_enrol_periodic()
    with django_capture_on_commit_callbacks(execute=True):
        buy(ana, "GEL-2", at=START + 27 * DAY + HOUR)
    assert entry(ana, FlowKind.REPLENISHMENT).status == "stopped"
    assert run(START + 29 * DAY) == 0


def test_one_flow_message_per_customer_per_day(ana, django_capture_on_commit_callbacks):
    # given two flows due the same day: a gel reminder and an abandoned cart
    enable(FlowKind.REPLENISHMENT)
    enable(FlowKind.ABANDONED_CART, delay_minutes=0)
    grant(ana, "email")
    buy(ana, "GEL-1", at=START - 27 * DAY)
    with clock.frozen(NOON):
        flows.do_enrol_periodic()
    assert run(NOON) == 1
    abandon_cart(ana, "HELMET-1", at=NOON + HOUR, capture=django_capture_on_commit_callbacks)
    # then the cart reminder waits until a day has passed since the first flow message, then goes
    assert run(NOON + 4 * HOUR) == 0
    waiting = entry(ana, FlowKind.ABANDONED_CART)
    assert (waiting.status, waiting.reason, waiting.due_at) == ("waiting", "one_per_day", NOON + DAY)
    assert run(NOON + DAY) == 1
    assert flow_messages(ana).count() == 2


def test_the_frequency_cap_holds_across_a_campaign_and_two_flows(ana, settings, django_capture_on_commit_callbacks):
    # given a weekly cap of two marketing messages
    settings.OMNICANAL = {**settings.OMNICANAL, "MARKETING": {"FREQUENCY_CAP_PER_WEEK": 2}}
    grant(ana, "email")
    enable(FlowKind.REPLENISHMENT)
    enable(FlowKind.ABANDONED_CART, delay_minutes=0)
    # a campaign reaches her, then the gel reminder (flow one)
    with clock.frozen(NOON), transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign = campaigns.do_create_campaign(name="Marzo", segment_id=segment, message={"es": "Hola {{ name }}"},
                                                actor=SYSTEM).public_id
    with clock.frozen(NOON):
        campaigns.do_launch_campaign(campaign_id=campaign, at=NOON)
    buy(ana, "GEL-1", at=START - 27 * DAY)
    with clock.frozen(NOON + HOUR):
        flows.do_enrol_periodic()
    assert run(NOON + HOUR) == 1
    # when her cart is abandoned (flow two) the next day: the week's two are spent
    abandon_cart(ana, "HELMET-1", at=NOON + DAY, capture=django_capture_on_commit_callbacks)
    assert run(NOON + DAY + 3 * HOUR) == 0
    capped = entry(ana, FlowKind.ABANDONED_CART)
    assert (capped.status, capped.reason) == ("suppressed", "frequency_cap")
    # and a second campaign is capped too
    with clock.frozen(NOON + 2 * DAY), transaction.atomic():
        other = campaigns.do_create_campaign(name="Abril", segment_id=segment, message={"es": "Hola"},
                                             actor=SYSTEM).public_id
    with clock.frozen(NOON + 2 * DAY):
        campaigns.do_launch_campaign(campaign_id=other, at=NOON + 2 * DAY)
    from omnicanal.marketing.models import Recipient

    assert Recipient.objects.get(campaign__public_id=other).reason == "frequency_cap"


def test_quiet_hours_hold_a_flow_message_until_morning(ana, django_capture_on_commit_callbacks):
    enable(FlowKind.ABANDONED_CART, delay_minutes=0)
    grant(ana, "email")
    night = START.replace(hour=23)  # 20:00 in Santiago; marked at 22:00 (quiet)
    abandon_cart(ana, "GEL-1", at=night, capture=django_capture_on_commit_callbacks)
    assert run(night + 2 * HOUR) == 0
    held = entry(ana, FlowKind.ABANDONED_CART)
    assert (held.status, held.reason) == ("waiting", "quiet_hours")
    assert held.due_at == dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)  # 09:00 in Santiago
    assert run(held.due_at) == 1


def test_back_in_stock_at_my_store(ana, django_capture_on_commit_callbacks):
    from omnicanal.inventory import services as inventory

    enable(FlowKind.BACK_IN_STOCK)
    grant(ana, "email")
    from omnicanal.inventory import queries as stock

    with transaction.atomic():  # sold out at her store
        inventory.do_adjust_stock(location=stock.get_location("SCL"), sku="HELMET-1", delta=-40, reason="damaged")
    with clock.frozen(NOON), transaction.atomic():
        flows.do_subscribe_back_in_stock(customer_id=ana, sku="HELMET-1", location="SCL")
    assert entry(ana, FlowKind.BACK_IN_STOCK).due_at is None and run(NOON + HOUR) == 0
    # when the store receives it, the subscription becomes due and the message names the store
    with clock.frozen(NOON + DAY), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        inventory.do_receive_stock(location="SCL", lines=[("HELMET-1", 5)])
    assert run(NOON + DAY) == 1
    assert "Casco Ruta" in flow_messages(ana).get().text


def test_a_subscription_needs_the_flow_and_a_known_store(ana):
    with pytest.raises(ValidationFailed):
        flows.do_subscribe_back_in_stock(customer_id=ana, sku="HELMET-1", location="SCL")


def test_win_back_after_90_quiet_days_and_an_order_stops_it(ana, bea, django_capture_on_commit_callbacks):
    enable(FlowKind.WIN_BACK, delay_minutes=60 * 24)
    grant(ana, "email")
    grant(bea, "email")
    buy(ana, "HELMET-1", at=START - 95 * DAY)
    buy(bea, "PUMP-1", at=START - 100 * DAY)
    with clock.frozen(NOON):
        assert flows.do_enrol_periodic() == 2
    with django_capture_on_commit_callbacks(execute=True):
        buy(bea, "GEL-1", at=NOON + HOUR)
    assert run(NOON + DAY) == 1
    assert flow_messages(ana).count() == 1 and entry(bea, FlowKind.WIN_BACK).reason == "ordered"


def test_tier_change_and_cross_sell_enter_on_their_events(ana):
    enable(FlowKind.TIER_CHANGE)
    enable(FlowKind.CROSS_SELL, delay_minutes=60)
    grant(ana, "email")
    with transaction.atomic():
        flows.on_tier_changed(customer_id=ana, new_tier="Oro", at=NOON)
        flows.on_delivered(customer_id=ana, order_id="ord_x", at=NOON)
    assert run(NOON) == 1
    assert "Oro" in flow_messages(ana).get().text
    assert entry(ana, FlowKind.CROSS_SELL).due_at == NOON + HOUR


def test_flow_edits_are_checked(db):
    with pytest.raises(ValidationFailed):
        flows.do_update_flow(kind=FlowKind.WIN_BACK, actor=SYSTEM, message={"es": "Hola {{ nope }}"})
    with pytest.raises(ValidationFailed):
        flows.do_update_flow(kind=FlowKind.WIN_BACK, actor=SYSTEM, channels=["fax"])
    row = flows.do_update_flow(kind=FlowKind.WIN_BACK, actor=SYSTEM, message={"es": "Vuelve {{ name }} a {{ store }}"})
    assert row.message == {"es": "Vuelve {{ name }} a {{ store }}"}
    assert [f.kind for f in flows.all_flows()] == FlowKind.values


def test_browse_abandonment_after_a_view_and_an_order_stops_it(ana, bea):
    from omnicanal.storefront import lists

    enable(FlowKind.BROWSE_ABANDONMENT, delay_minutes=240)
    grant(ana, "email")
    grant(bea, "email")
    # given both viewed the helmet at noon; Bea bought something an hour later (at a store)
    for who in (ana, bea):
        with clock.frozen(NOON), transaction.atomic():
            lists.do_remember_viewed(customer_id=who, handle="casco-ruta")
    buy(bea, "PUMP-1", at=NOON + HOUR)
    # when the hourly enrolment runs after that, then both enter, but only Ana is written to
    with clock.frozen(NOON + 2 * HOUR):
        assert flows.do_enrol_periodic() == 2
    assert run(NOON + 3 * HOUR) == 0  # the delay
    assert run(NOON + 4 * HOUR) == 1
    assert "Casco Ruta" in flow_messages(ana).get().text
    assert (entry(bea, FlowKind.BROWSE_ABANDONMENT).status, entry(bea, FlowKind.BROWSE_ABANDONMENT).reason) == (
        "stopped", "ordered")


def test_flow_entries_show_in_the_export_follow_a_merge_and_go_with_erasure(ana):
    from omnicanal.customers import services as customers
    from omnicanal.orders.tests.conftest import make_customer

    enable(FlowKind.TIER_CHANGE)
    other = make_customer(phone="+56998761234", name="Ana P", email="ana.p@example.cl")
    with transaction.atomic():
        flows.on_tier_changed(customer_id=other, new_tier="Oro", at=NOON)
        customers.do_merge_customers(survivor=ana, other=other, reason="test")
    assert entry(ana, FlowKind.TIER_CHANGE).status == "waiting"
    with transaction.atomic():
        exported = customers.do_export_customer(customer=ana)
    assert exported["domains"]["marketing"]["flows"][0]["flow"] == "tier_change"
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert not FlowEntry.objects.exists()

"""The birthday flow (the customer's day in their own time zone, once a year, consent asked at the
send) and the tier-change flow's choice between upgrades only and any change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import services as customers
from omnicanal.loyalty.services import program
from omnicanal.marketing import flows, handlers
from omnicanal.marketing.models import FlowEntry, FlowKind, TierChanges
from omnicanal.marketing.tests.conftest import grant
from omnicanal.marketing.tests.test_flows import enable, entry, flow_messages, run

# 3 March 2026, the hourly enrolment's minute 20, in UTC; Santiago is UTC−3 then, Tokyo UTC+9.
EVE = dt.datetime(2026, 3, 3, 2, 20, tzinfo=dt.UTC)  # 23:20 on 2 March in Santiago
MIDNIGHT = dt.datetime(2026, 3, 3, 3, 20, tzinfo=dt.UTC)  # 00:20 on 3 March in Santiago
MORNING = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)  # 09:00 in Santiago: the quiet hours end
HOUR = dt.timedelta(hours=1)


def born(customer_id, birth_date, time_zone="America/Santiago"):
    with transaction.atomic():
        customers.do_update_preferences(customer_id=customer_id, birth_date=birth_date, time_zone=time_zone)


def enrol(at):
    with clock.frozen(at):
        return flows.do_enrol_periodic(at=at)


def test_the_birthday_message_goes_on_the_customers_day_in_their_zone_once_a_year(ana):
    # given the birthday flow, and Ana (Santiago, born on 3 March, no year given) who accepts offers by email
    enable(FlowKind.BIRTHDAY)
    grant(ana, "email")
    born(ana, "--03-03")
    # when the hourly enrolment runs: not on the eve in Santiago, as soon as it is 3 March there
    assert enrol(EVE) == 0
    assert enrol(MIDNIGHT) == 1
    # then the quiet hours hold it until 09:00, and it goes once
    assert run(MIDNIGHT) == 0 and entry(ana, FlowKind.BIRTHDAY).reason == "quiet_hours"
    assert run(MORNING) == 1
    assert "Feliz cumpleaños, Ana" in flow_messages(ana).get().text
    for later in (MORNING + HOUR, MORNING + 20 * HOUR):  # the day's later runs find the same entry
        enrol(later)
        assert run(later) == 0
    assert FlowEntry.objects.filter(customer_id=ana, flow__kind=FlowKind.BIRTHDAY).count() == 1
    assert enrol(MORNING + 22 * HOUR) == 0  # 4 March in Santiago
    # and again the next year
    assert enrol(MIDNIGHT.replace(year=2027)) == 1
    assert FlowEntry.objects.filter(customer_id=ana, flow__kind=FlowKind.BIRTHDAY).count() == 2


def test_the_birthday_follows_the_customers_time_zone(ana, bea):
    enable(FlowKind.BIRTHDAY)
    born(ana, "1990-03-03", time_zone="Asia/Tokyo")
    born(bea, "--03-03")
    # 2 March 15:20 UTC: already 3 March in Tokyo, still noon of 2 March in Santiago
    assert enrol(dt.datetime(2026, 3, 2, 15, 20, tzinfo=dt.UTC)) == 1
    assert entry(ana, FlowKind.BIRTHDAY).context == {"on": "2026-03-03"}
    assert not FlowEntry.objects.filter(customer_id=bea).exists()


def test_no_consent_no_birthday_message_and_a_stop_in_between_is_respected(ana, bea):
    enable(FlowKind.BIRTHDAY)
    born(ana, "--03-03")
    born(bea, "--03-03")
    grant(bea, "email")
    assert enrol(MIDNIGHT) == 2
    # Bea withdraws before the morning
    with transaction.atomic():
        customers.do_withdraw_consent(customer_id=bea, channel="email", purpose="marketing", source="email:STOP")
    assert run(MORNING) == 0
    for who in (ana, bea):
        assert (entry(who, FlowKind.BIRTHDAY).status, entry(who, FlowKind.BIRTHDAY).reason) == (
            "suppressed", "no_consent")
    assert not flow_messages(ana).exists() and not flow_messages(bea).exists()


def test_a_disabled_birthday_flow_or_no_birth_date_enrols_nobody(ana, bea):
    born(ana, "--03-03")
    assert enrol(MIDNIGHT) == 0
    enable(FlowKind.BIRTHDAY)
    assert enrol(MIDNIGHT) == 1 and not FlowEntry.objects.filter(customer_id=bea).exists()


def tiers():
    with transaction.atomic():
        program.do_set_tier(code="plata", name="Plata", min_spend=Decimal(0))
        program.do_set_tier(code="oro", name="Oro", min_spend=Decimal(500_000))
        program.do_set_tier(code="platino", name="Platino", min_spend=Decimal(2_000_000))


def tier_event(customer_id, old, new, at):
    """loyalty.TierChanged as the worker hands it to marketing's handler."""
    envelope = outbox.Envelope(id=1, topic="loyalty.TierChanged", occurred_at=at,
                               payload={"customer_id": customer_id, "old_tier": old, "new_tier": new, "spend_12m": {}})
    with transaction.atomic():
        handlers.flow_tier_changed(envelope)


def test_a_downgrade_does_not_start_the_tier_flow_meant_for_upgrades(ana):
    # given tiers plata < oro < platino and the tier-change flow as it comes (on upgrade)
    tiers()
    enable(FlowKind.TIER_CHANGE)
    grant(ana, "email")
    # when Ana drops from oro to plata, then nothing
    tier_event(ana, "oro", "plata", MORNING)
    assert not FlowEntry.objects.filter(customer_id=ana).exists()
    # when she climbs to platino (from oro), then the flow starts and names the tier
    tier_event(ana, "oro", "platino", MORNING)
    assert entry(ana, FlowKind.TIER_CHANGE).context == {"tier": "platino"}
    assert run(MORNING) == 1 and "platino" in flow_messages(ana).get().text


def test_on_any_change_a_downgrade_starts_it_too(ana, bea):
    tiers()
    row = enable(FlowKind.TIER_CHANGE, tier_changes=TierChanges.ANY)
    assert row.tier_changes == "any"
    tier_event(ana, "platino", "oro", MORNING)
    assert entry(ana, FlowKind.TIER_CHANGE).context == {"tier": "oro"}
    # a first tier (no old one) counts as an upgrade either way
    enable(FlowKind.TIER_CHANGE, tier_changes=TierChanges.UPGRADE)
    tier_event(bea, None, "plata", MORNING)
    assert entry(bea, FlowKind.TIER_CHANGE).context == {"tier": "plata"}


@pytest.mark.django_db
def test_tier_direction_from_the_program():
    tiers()
    assert flows.is_downgrade("oro", "plata") and not flows.is_downgrade("plata", "oro")
    assert not flows.is_downgrade(None, "plata") and not flows.is_downgrade("bronce", "plata")


@pytest.mark.django_db
def test_the_attribution_window_and_tier_choice_are_checked():
    with transaction.atomic():
        row = flows.do_update_flow(kind=FlowKind.CROSS_SELL, actor=SYSTEM, attribution_days=14)
    assert row.attribution_days == 14
    for changes in ({"attribution_days": 0}, {"attribution_days": 91}, {"tier_changes": "sideways"}):
        with pytest.raises(ValidationFailed) as caught:
            flows.do_update_flow(kind=FlowKind.TIER_CHANGE, actor=SYSTEM, **changes)
        assert [e.field for e in caught.value.errors] == list(changes)

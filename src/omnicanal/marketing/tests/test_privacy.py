"""The customer's data in marketing follows merges, shows in the export and goes with erasure
(customers' registry hooks: customers never imports marketing)."""

import datetime as dt

from django.db import transaction

from omnicanal.core import clock
from omnicanal.customers import services as customers
from omnicanal.marketing import queries, services
from omnicanal.marketing.tests.conftest import START, buy, grant
from omnicanal.orders.tests.conftest import make_customer

DAY = dt.timedelta(days=1)


def reminded(customer_id):
    grant(customer_id, "email")
    buy(customer_id, "GEL-1", at=START)
    with clock.frozen(START + 27 * DAY):
        assert services.do_send_due_reminders() == 1


def test_the_export_lists_reminders_and_cycles_and_erasure_removes_the_reminders(ana):
    reminded(ana)
    with transaction.atomic():
        exported = customers.do_export_customer(customer=ana)
    section = exported["domains"]["marketing"]
    assert section["replenishment_reminders"][0]["category"] == "geles"
    assert section["purchase_cycles"][0]["cycle"] == "replenishable"
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert queries.reminders_of(ana) == []


def test_a_merge_moves_the_reminders_to_the_survivor(ana):
    other = make_customer(phone="+56977776666", name="Ana P", email="ana.p@example.cl")
    reminded(other)
    with transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=other, reason="test")
    assert [r.category for r in queries.reminders_of(ana)] == ["geles"]
    assert queries.reminders_of(other) == []


def test_campaign_messages_show_in_the_export_follow_a_merge_and_lose_the_person_on_erasure(ana):
    from omnicanal.core.auth import SYSTEM
    from omnicanal.marketing import campaigns
    from omnicanal.marketing.models import Bounce, Recipient, Touch

    other = make_customer(phone="+56977776666", name="Ana P", email="ana.p@example.cl")
    grant(other, "email")
    evening = START.replace(hour=22)
    with clock.frozen(evening), transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign_id = campaigns.do_create_campaign(name="Otoño", segment_id=segment, message={"es": "Hola"},
                                                   actor=SYSTEM).public_id
    with clock.frozen(evening):
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=evening)
    with transaction.atomic():
        Bounce.objects.create(customer_id=other, channel="sms", address="+56977776666", at=evening)
        customers.do_merge_customers(survivor=ana, other=other, reason="test")
    assert Recipient.objects.get(customer_id=ana, status="sent").channel == "email"
    assert Touch.objects.filter(customer_id=ana).count() == 1 and Bounce.objects.filter(customer_id=ana).exists()
    with transaction.atomic():
        exported = customers.do_export_customer(customer=ana)
    assert exported["domains"]["marketing"]["campaigns"][0]["campaign"] == "Otoño"
    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert not Recipient.objects.filter(customer_id=ana).exists()
    assert not Bounce.objects.filter(customer_id=ana).exists() and not Touch.objects.filter(customer_id=ana).exists()
    assert Recipient.objects.filter(campaign__public_id=campaign_id, status="sent").count() == 1

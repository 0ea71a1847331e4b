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

"""On PostgreSQL, across processes: a campaign launched twice at once (a double click, two workers)
sends each customer at most one message, its chunks written through conversations' do_notify_many."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count

from omnicanal.core.auth import SYSTEM
from omnicanal.core.testing import run_in_processes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 200
CHUNK = 25  # eight chunks, each one call of conversations' do_notify_many: the two launchers interleave
EVENING = dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)  # 19:00 in Santiago: no quiet hours


def many_consenting_customers(n: int) -> None:
    """n customers with an email and a marketing grant by email, written in bulk (the rules under test
    are the campaign's, not identification's)."""
    from omnicanal.core.ids import new_id
    from omnicanal.customers.models import Consent, Customer, Identity

    with transaction.atomic():
        people = Customer.objects.bulk_create([
            Customer(public_id=new_id("cus"), name=f"Cliente {i}", anonymous=False, created_at=EVENING,
                     updated_at=EVENING) for i in range(n)])
        Identity.objects.bulk_create([
            Identity(customer=c, kind="email", value=f"c{i}@example.cl", verified=True, first_seen_at=EVENING,
                     last_seen_at=EVENING) for i, c in enumerate(people)])
        Consent.objects.bulk_create([
            Consent(customer=c, channel="email", purpose="marketing", granted=True, source="test", changed_at=EVENING)
            for c in people])


def test_a_campaign_launched_twice_concurrently_sends_each_customer_at_most_one_message():
    from omnicanal.conversations.models import Message
    from omnicanal.marketing import campaigns, queries, services
    from omnicanal.marketing.models import Recipient, Touch

    # given customers who accept marketing by email, and a campaign to all of them
    many_consenting_customers(CUSTOMERS)
    with transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign_id = campaigns.do_create_campaign(name="Doble clic", segment_id=segment,
                                                   message={"es": "Hola {{ name }}"}, actor=SYSTEM,
                                                   control_percent=10).public_id
    # when two processes launch it at the same moment
    results = run_in_processes("omnicanal.marketing.tests.workers:launch", [(campaign_id, EVENING.isoformat(), CHUNK)] * 2,
                               timeout=1200)
    # then every customer is a recipient once, and got at most one message (exactly one when treated)
    assert [r["recipients"] for r in results] == [CUSTOMERS, CUSTOMERS]
    per_customer = (Message.objects.filter(meta__notification=campaigns.TOPIC).values("conversation__customer_id")
                    .annotate(n=Count("pk")))
    assert max(row["n"] for row in per_customer) == 1
    summary = queries.campaign_results(campaign_id)
    assert summary.sent + summary.held_out == CUSTOMERS and summary.held_out > 0
    assert len(per_customer) == summary.sent == Touch.objects.count()
    assert Recipient.objects.filter(status__in=["pending", "held"]).count() == 0
    assert summary.status == "done"


def test_a_coupon_campaign_launched_twice_concurrently_makes_one_unique_coupon_per_message():
    from omnicanal.conversations.models import Message
    from omnicanal.loyalty.models import Coupon
    from omnicanal.marketing import campaigns, queries, services
    from omnicanal.marketing.models import Recipient

    # given customers who accept marketing by email, and a campaign with a unique coupon per message
    many_consenting_customers(CUSTOMERS)
    with transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign_id = campaigns.do_create_campaign(name="Cupones", segment_id=segment,
                                                   message={"es": "Hola {{ name }}, tu cupón {{ coupon }}"},
                                                   coupon={"kind": "percent", "value": 10, "days": 14},
                                                   actor=SYSTEM).public_id
    # when two processes launch it at the same moment, each making its chunks' coupons in bulk
    run_in_processes("omnicanal.marketing.tests.workers:launch", [(campaign_id, EVENING.isoformat(), CHUNK)] * 2,
                     timeout=1200)
    # then every customer got one message carrying a code of their own, each a single-use coupon
    summary = queries.campaign_results(campaign_id)
    assert summary.sent == CUSTOMERS and summary.status == "done"
    codes = list(Recipient.objects.filter(campaign__public_id=campaign_id, status="sent")
                 .values_list("customer_id", "coupon_code"))
    assert len({code for _c, code in codes}) == CUSTOMERS and all(code for _c, code in codes)
    coupons = Coupon.objects.filter(name__startswith=campaign_id)
    assert coupons.count() == CUSTOMERS and set(coupons.values_list("max_uses", "uses")) == {(1, 0)}
    assert set(coupons.values_list("code", flat=True)) == {code for _c, code in codes}
    texts = dict(Message.objects.filter(meta__notification=campaigns.TOPIC)
                 .values_list("conversation__customer_id", "text"))
    assert all(code in texts[customer] for customer, code in codes)

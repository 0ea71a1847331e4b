"""A campaign's cost per message stays bounded: its recipients are sent in chunks (one transaction,
bulk reads of consent, addresses, bounces and the weekly cap, bulk writes of touches, events and
statuses, the threads and messages through conversations' do_notify_many) and the chunk's events are
dispatched together after the commit. A statement count, not a
timing (bench/bench_campaign.py measures the time on PostgreSQL)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM
from omnicanal.marketing.tests.test_campaign_concurrency import EVENING, many_consenting_customers

pytestmark = [pytest.mark.django_db(transaction=True)]

CUSTOMERS = 60
# Statements per message sent, the worker's delivery left out: a share of the chunk's bulk reads and
# writes, the threads and messages included (conversations' do_notify_many: a few statements per
# chunk). One by one it was ~100, with do_notify per message ~17; issue 18 asks for at most 3.
CAP_PER_MESSAGE = 3


# A coupon campaign makes each message's unique coupon too: in bulk per chunk (loyalty's
# do_create_coupons: three statements a chunk); one by one it was three more per message (~3.9).
@pytest.mark.parametrize("coupon", [None, {"kind": "percent", "value": 10, "days": 14}], ids=["plain", "coupon"])
def test_a_campaign_costs_a_bounded_number_of_statements_per_message(monkeypatch, coupon):
    from omnicanal.conversations.models import Message
    from omnicanal.core.models import OutboxEvent
    from omnicanal.marketing import campaigns, queries, services
    from omnicanal.marketing.models import Recipient, Touch

    handed: list[int] = []  # the worker's part (delivery), handed over instead of run here
    monkeypatch.setattr(outbox, "_worker_entry", handed.append)
    many_consenting_customers(CUSTOMERS)
    with transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign_id = campaigns.do_create_campaign(
            name="Grande", segment_id=segment, message={"es": "Hola {{ name }}" + (", {{ coupon }}" if coupon else "")},
            coupon=coupon, actor=SYSTEM).public_id
    # when it is launched
    with clock.frozen(EVENING), CaptureQueriesContext(connection) as statements:
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=EVENING)
    # then every customer got one message, within the statement budget
    summary = queries.campaign_results(campaign_id)
    assert summary.sent == CUSTOMERS == Touch.objects.count()
    assert Message.objects.filter(meta__notification=campaigns.TOPIC).count() == CUSTOMERS
    assert len(statements.captured_queries) <= CAP_PER_MESSAGE * CUSTOMERS, len(statements.captured_queries)
    if coupon:  # and each message carries its own single-use coupon
        from omnicanal.loyalty.models import Coupon

        codes = list(Recipient.objects.filter(campaign__public_id=campaign_id).values_list("coupon_code", flat=True))
        assert len(set(codes)) == CUSTOMERS and all(codes)
        assert Coupon.objects.filter(code__in=codes, max_uses=1).count() == CUSTOMERS
    # and the messages' events ran their in-process handlers and went to the worker for delivery
    sent_events = OutboxEvent.objects.filter(topic="conversations.MessageSent")
    assert sorted(handed) == sorted(sent_events.values_list("pk", flat=True))
    assert all("omnicanal.channels.handlers.deliver_realtime" in e.done_handlers for e in sent_events)

"""The worker's hand-over of placed orders (core.outbox: one transaction, a handler's `.many` gets the
chunk at once): marketing's two OrderPlaced reactions in their batched forms give the same rows and
events as one order after the other, and a chunk of orders that touch nothing costs a constant
handful of statements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import outbox
from omnicanal.core.models import OutboxEvent
from omnicanal.loyalty.models import Coupon, CouponUse
from omnicanal.marketing import handlers
from omnicanal.marketing.models import (
    Campaign,
    Flow,
    FlowEntry,
    FlowEntryStatus,
    FlowKind,
    Recipient,
    RecipientStatus,
)

pytestmark = pytest.mark.django_db

T = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def placed(n, order_id, customer_id, at, *, categories=(), amount=10000):
    return outbox.Envelope(id=n, topic="orders.OrderPlaced", occurred_at=at, payload={
        "order_id": order_id, "customer_id": customer_id, "channel": "pos",
        "total": {"amount": str(amount), "currency": "CLP"},
        "lines": [{"sku": f"SKU-{c}", "category": c} for c in categories]})


def campaign(name):
    return Campaign.objects.create(name=name, segment_id="seg", attribution_days=7, created_at=T - 30 * DAY)


def recipient(row, customer_id, *, window_start, status=RecipientStatus.SENT, code=""):
    return Recipient.objects.create(campaign=row, customer_id=customer_id, status=status, window_start=window_start,
                                    coupon_code=code, control=status == RecipientStatus.HELD_OUT)


def entry(kind, customer_id, key, *, created_at, status=FlowEntryStatus.WAITING, decided_at=None, context=None):
    flow, _ = Flow.objects.get_or_create(kind=kind, defaults={"enabled": True})
    return FlowEntry.objects.create(flow=flow, customer_id=customer_id, key=key, status=status, created_at=created_at,
                                    decided_at=decided_at, context=context or {},
                                    due_at=None if status != FlowEntryStatus.WAITING else created_at + HOUR)


@pytest.fixture
def chunk():
    """Five orders: two of one customer, one of a customer held out (converted-eligible), one of another
    customer carrying a unique code of a campaign, one of a customer sent too long ago, one of a
    customer with nothing; and the flow entries the orders stop or convert."""
    march, april = campaign("Marzo"), campaign("Abril")
    recipient(march, "cus-two", window_start=T - DAY)
    recipient(april, "cus-held", window_start=T - 2 * DAY, status=RecipientStatus.HELD_OUT)
    recipient(march, "cus-owner", window_start=T - DAY, code="MK-UNICO0001")
    recipient(april, "cus-late", window_start=T - 10 * DAY)
    coupon = Coupon.objects.create(code="MK-UNICO0001", kind="percent", value=10, currency="CLP", created_at=T - DAY)
    CouponUse.objects.create(coupon=coupon, order_ref="o-code", customer_id="cus-other", currency="CLP",
                             used_at=T + 3 * HOUR)
    entry(FlowKind.ABANDONED_CART, "cus-two", "cart-1", created_at=T - 2 * HOUR)
    entry(FlowKind.ABANDONED_CART, "cus-two", "cart-2", created_at=T + HOUR)  # after the first order only
    entry(FlowKind.REPLENISHMENT, "cus-two", "geles@1", created_at=T - HOUR, context={"category": "geles"})
    entry(FlowKind.BROWSE_ABANDONMENT, "cus-two", "browse", created_at=T - DAY, status=FlowEntryStatus.SENT,
          decided_at=T - DAY)
    entry(FlowKind.WIN_BACK, "cus-late", "since", created_at=T - 40 * DAY, status=FlowEntryStatus.SENT,
          decided_at=T - 30 * DAY)
    entry(FlowKind.BIRTHDAY, "cus-held", "birthday@2026", created_at=T - HOUR)  # no order stops a birthday
    return [placed(1, "o-first", "cus-two", T, categories=["cascos"]),
            placed(2, "o-second", "cus-two", T + 2 * HOUR, categories=["geles"], amount=2000),
            placed(3, "o-held", "cus-held", T + HOUR),
            placed(4, "o-code", "cus-other", T + 3 * HOUR),
            placed(5, "o-late", "cus-late", T + 4 * HOUR),
            placed(6, "o-none", "cus-none", T + 5 * HOUR),
            placed(7, "o-walk-in", "", T + 6 * HOUR)]


def outcome():
    recipients = list(Recipient.objects.order_by("pk").values_list(
        "customer_id", "converted_at", "order_id", "order_channel", "revenue", "currency"))
    entries = list(FlowEntry.objects.order_by("pk").values_list("key", "status", "reason", "decided_at",
                                                                "converted_at", "order_id"))
    events = [e.payload for e in OutboxEvent.objects.filter(topic="marketing.CampaignConverted").order_by("pk")]
    return recipients, entries, events


def one_by_one_then_batched(handler, events):
    """The outcome of the one-event handler called for each event in order, then (from the same
    rows: the first run rolled back) that of its batched form given the chunk."""
    with transaction.atomic():
        for event in events:
            handler(event)
        one_by_one = outcome()
        transaction.set_rollback(True)
    with transaction.atomic():
        handler.many(events)
        batched = outcome()
    return one_by_one, batched


def test_the_batched_campaign_conversion_converts_as_one_order_after_the_other(chunk):
    one_by_one, batched = one_by_one_then_batched(handlers.campaign_conversion, chunk)
    assert batched == one_by_one
    recipients, _, events = batched
    converted = {customer: (order, at) for customer, at, order, *_ in recipients}
    # the first order of the customer with two converts their message, the second does not again;
    # the held-out place converts (the control's rate), the code converts its owner's message
    # whoever ordered, the message sent ten days ago does not
    assert converted == {"cus-two": ("o-first", T), "cus-held": ("o-held", T + HOUR),
                         "cus-owner": ("o-code", T + 3 * HOUR), "cus-late": ("", None)}
    assert recipients[0][4:] == (Decimal(10000), "CLP")
    assert [(e["customer_id"], e["order_id"], e["control"]) for e in events] == [
        ("cus-two", "o-first", False), ("cus-held", "o-held", True), ("cus-owner", "o-code", False)]


def test_the_batched_flow_reaction_stops_and_converts_as_one_order_after_the_other(chunk):
    one_by_one, batched = one_by_one_then_batched(handlers.flow_order_placed, chunk)
    assert batched == one_by_one
    _, entries, _ = batched
    assert entries == [
        ("cart-1", "stopped", "ordered", T, None, ""),  # the first order stops the cart before it
        ("cart-2", "stopped", "ordered", T + 2 * HOUR, None, ""),  # the one after it, the second order
        ("geles@1", "stopped", "ordered", T + 2 * HOUR, None, ""),  # the second bought the category
        ("browse", "sent", "", T - DAY, T, "o-first"),  # converted by the first order, not again
        ("since", "sent", "", T - 30 * DAY, None, ""),  # sent out of its attribution window
        ("birthday@2026", "waiting", "", None, None, ""),
    ]


def test_a_chunk_of_orders_that_touch_nothing_costs_a_constant_handful_of_statements(db):
    # given ten orders of ten customers with no campaign message nor flow entry
    events = [placed(n, f"o-{n}", f"cus-{n}", T + n * HOUR, categories=["geles"]) for n in range(10)]
    # when the worker hands both reactions the chunk
    with CaptureQueriesContext(connection) as campaigns_run:
        handlers.campaign_conversion.many(events)
    with CaptureQueriesContext(connection) as flows_run:
        handlers.flow_order_placed.many(events)
    # then the codes and the candidates are two queries, the flow entries one: not per order
    assert len(campaigns_run.captured_queries) <= 2
    assert len(flows_run.captured_queries) <= 1
    assert not Recipient.objects.exists() and not FlowEntry.objects.exists()

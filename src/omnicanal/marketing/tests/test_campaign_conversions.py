"""A campaign's conversions on ANY channel: a WhatsApp message followed by a purchase at a store's
POS within the attribution window converts it; the control group's rate is reported beside it, with
the lift; the campaign's unique coupon converts it whoever places the order; a cancelled order or one
after the window does not."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.marketing import campaigns, governance, queries, services
from omnicanal.marketing.models import Recipient
from omnicanal.marketing.tests.conftest import PRICES, START, buy, grant
from omnicanal.orders.tests.conftest import make_customer

DAY = dt.timedelta(days=1)
EVENING = START.replace(hour=22)
WHATSAPP = {"whatsapp": {"es": {"template": "promo_marzo", "language": "es", "params": ["name", "coupon"]}}}


def whatsapp_campaign(**kwargs):
    with clock.frozen(EVENING), transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        campaign_id = campaigns.do_create_campaign(
            name="Marzo", segment_id=segment, message={"es": "Hola {{ name }}, tu cupón: {{ coupon }}"},
            channels=["whatsapp"], templates=WHATSAPP, actor=SYSTEM, **kwargs).public_id
    with clock.frozen(EVENING):
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=EVENING)
    return campaign_id


def pos_sale(customer_id, sku, *, at, coupon=""):
    """A carry-out sale at the SCL store's POS; a walk-in when customer_id is empty."""
    from omnicanal.orders import services as orders

    total = PRICES[sku] * (Decimal("0.9") if coupon else 1)
    with clock.frozen(at), transaction.atomic():
        return orders.do_place_order(
            channel="pos", delivery={"method": "carry_out", "location": "SCL"}, customer_id=customer_id,
            lines=[orders.LineIn(sku=sku, quantity=1)], coupon=coupon or None,
            payments=[orders.PaymentIn(method="cash", amount=Money.of(total))]).public_id


def test_a_whatsapp_message_then_a_pos_purchase_converts_and_the_control_rate_is_reported(
        shop, django_capture_on_commit_callbacks, monkeypatch):
    # given ten customers who accept marketing on WhatsApp, and a campaign holding out half of them
    people = [make_customer(phone=f"+5699877000{i}", name=f"Cliente {i}", email=f"w{i}@example.cl") for i in range(10)]
    for cid in people:
        grant(cid, "whatsapp")
    # the hash draw over a random campaign id puts all ten on one side once in ~500 runs: this test is
    # about conversions, so the draw is fixed here (test_control_draw.py covers the draw itself)
    monkeypatch.setattr(governance, "in_control", lambda campaign_id, customer_id, percent: customer_id in people[::2])
    campaign_id = whatsapp_campaign(control_percent=50)
    sent = list(Recipient.objects.filter(status="sent").values_list("customer_id", flat=True))
    control = list(Recipient.objects.filter(status="held_out").values_list("customer_id", flat=True))
    assert sent and control and len(sent) + len(control) == 10
    # the treated ones got the approved template, with their name
    from omnicanal.conversations.models import Message

    message = Message.objects.get(conversation__customer_id=sent[0], meta__notification=campaigns.TOPIC)
    assert message.channel == "whatsapp" and message.meta["template"]["name"] == "promo_marzo"
    assert message.meta["template"]["parameters"][0] == "Cliente"
    # when one treated customer buys at a store's POS two days later, one control customer too, and
    # another treated customer buys only after the 7-day window
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(sent[0], "HELMET-1", at=EVENING + 2 * DAY)
        buy(control[0], "PUMP-1", at=EVENING + 3 * DAY)
        if len(sent) > 1:
            buy(sent[1], "GEL-1", at=EVENING + 8 * DAY)
    # then the POS sale converts the WhatsApp campaign, with its revenue
    results = queries.campaign_results(campaign_id)
    assert (results.sent, results.held_out, results.converted, results.control_converted) == (
        len(sent), len(control), 1, 1)
    assert results.revenue == PRICES["HELMET-1"]
    converted = Recipient.objects.get(customer_id=sent[0])
    assert (converted.order_id, converted.order_channel) == (order, "pos")
    # and the control group's rate is reported beside the treated rate, with the lift
    assert results.conversion_rate == 1 / len(sent)
    assert results.control_conversion_rate == 1 / len(control)
    assert results.lift == (1 / len(sent)) / (1 / len(control)) - 1


def test_the_campaigns_coupon_converts_it_whoever_buys(shop, django_capture_on_commit_callbacks):
    # given a WhatsApp campaign with a unique 10% coupon per message
    ana = make_customer()
    grant(ana, "whatsapp")
    campaign_id = whatsapp_campaign(coupon={"kind": "percent", "value": 10, "days": 14})
    code = Recipient.objects.get(customer_id=ana).coupon_code
    assert code.startswith("MK-")
    # when a walk-in (no customer named) uses Ana's code at the POS
    with django_capture_on_commit_callbacks(execute=True):
        pos_sale("", "HELMET-1", at=EVENING + DAY, coupon=code)
    # then the campaign converted, with the discounted revenue
    results = queries.campaign_results(campaign_id)
    assert (results.converted, results.revenue) == (1, PRICES["HELMET-1"] * Decimal("0.9"))


def test_a_cancelled_order_converts_nothing(shop, django_capture_on_commit_callbacks):
    from omnicanal.orders import services as orders
    from omnicanal.orders.models import Order

    ana = make_customer()
    grant(ana, "whatsapp")
    campaign_id = whatsapp_campaign()
    # when she orders online for pickup (not yet paid), then cancels
    with django_capture_on_commit_callbacks(execute=True), clock.frozen(EVENING + DAY), transaction.atomic():
        order = orders.do_place_order(channel="web", delivery={"method": "pickup", "location": "SCL"},
                                      customer_id=ana, lines=[orders.LineIn(sku="HELMET-1", quantity=1)]).public_id
    assert queries.campaign_results(campaign_id).converted == 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        orders.do_cancel_order(order=Order.objects.get(public_id=order), reason="customer", actor=SYSTEM)
    assert queries.campaign_results(campaign_id).converted == 0

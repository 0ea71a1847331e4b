"""Mercado Libre after the sale, round trips through the loopback server (marketplaces/sandbox.py)
with the recorded payloads of tests/fixtures/mercadolibre: the order priced at what the buyer paid,
the shipment's status moving our fulfilment (forward only), and claims and their returns becoming
disputes and returns in our book. Every notification goes webhook → worker → state; replays
change nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from omnicanal.marketplaces.models import MarketplaceClaim, MarketplaceOrder, Notification
from omnicanal.marketplaces.sandbox import fixture
from omnicanal.orders import queries as orders_queries
from omnicanal.orders.models import Dispute, Return

pytestmark = pytest.mark.django_db

URL = "/webhooks/mercadolibre"
SHIPMENT = "41234567890"
CLAIM = "5298893830"


@pytest.fixture
def notify(client, django_capture_on_commit_callbacks):
    """POST a notification (fixture name or body, with an optional new _id) and run the worker's task."""
    def send(name: str, _id: str = "", **changes):
        body = {**fixture(name), **changes}
        if _id:
            body["_id"] = _id
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(URL, json.dumps(body), content_type="application/json")
        assert answer.status_code == 200, answer.content
        return answer
    return send


@pytest.fixture
def sold(sandbox, seller, notify):
    """One SHOE-40 sold on Mercado Libre and imported: its shipment is ready to ship."""
    sandbox.put_order(fixture("order"))
    sandbox.put_shipment(fixture("shipment"))
    notify("notification_order")
    link = MarketplaceOrder.objects.get()
    assert link.order_id
    return link


def order_of(link):
    return orders_queries.get_order(link.order_id)


def fulfillment(link):
    return order_of(link).fulfillments.get()


def ship(sandbox, status: str, substatus=None, tracking="MEL41234567890CL"):
    sandbox.put_shipment({**fixture("shipment"), "status": status, "substatus": substatus,
                          "tracking_number": tracking})


# --- 3. the price the buyer paid -----------------------------------------------------------------

def test_an_imported_order_is_priced_at_what_the_buyer_paid_there_with_the_fee_kept(sandbox, seller, notify):
    # given the catalog sells SHOE-40 at 50.000 on the marketplace, and the buyer paid 47.990 there
    order_json = fixture("order")
    order_json["order_items"][0].update(unit_price=47990, full_unit_price=54000)
    order_json.update(total_amount=47990, paid_amount=47990)
    sandbox.put_order(order_json)
    sandbox.put_shipment(fixture("shipment"))
    notify("notification_order")
    link = MarketplaceOrder.objects.get()
    order = order_of(link)
    # then our order is booked at the marketplace's unit price, with no shipping fee of ours on top
    line = order.lines.get()
    assert (line.sku, line.unit_price, line.total) == ("SHOE-40", Decimal("47990"), Decimal("47990"))
    assert (order.shipping, order.total) == (Decimal("0"), Decimal("47990"))
    assert [(p.provider, p.amount, p.status) for p in order.payments.all()] == [
        ("marketplace", Decimal("47990"), "captured")]
    # and the sale fee is recorded as before
    assert link.fees == Decimal("6480") and order.contact["marketplace"]["fees"]["amount"] == "6480"


# --- 2. the shipment moves our fulfilment ----------------------------------------------------------

def test_shipped_then_delivered_moves_the_fulfilment_and_late_or_repeated_news_never_moves_it_back(
        sandbox, sold, notify):
    assert fulfillment(sold).status == "pending"
    # when the marketplace says shipped, with its tracking number
    ship(sandbox, "shipped")
    notify("notification_shipment")
    f = fulfillment(sold)
    assert (f.status, f.carrier, f.tracking) == ("shipped", "Mercado Envíos", "MEL41234567890CL")
    # the same notification again (a replay) is stored once and changes nothing
    notify("notification_shipment")
    assert Notification.objects.filter(topic="shipments").count() == 1
    # then delivered
    ship(sandbox, "delivered")
    notify("notification_shipment", _id="delivered-1")
    assert fulfillment(sold).status == "delivered"
    assert order_of(sold).status == "completed"
    history = len(fulfillment(sold).history)
    # an older status answered late (out of order) and a repeated one never move it back
    ship(sandbox, "shipped")
    notify("notification_shipment", _id="late-shipped")
    ship(sandbox, "ready_to_ship", "ready_to_print")
    notify("notification_shipment", _id="late-ready")
    ship(sandbox, "delivered")
    notify("notification_shipment", _id="delivered-again")
    f = fulfillment(sold)
    assert (f.status, len(f.history)) == ("delivered", history)
    assert MarketplaceOrder.objects.get().shipment_status == "delivered"


def test_delivered_straight_from_ready_to_ship_walks_every_step_and_takes_the_stock(sandbox, sold, notify):
    ship(sandbox, "delivered")
    notify("notification_shipment")
    f = fulfillment(sold)
    assert f.status == "delivered"
    assert [h["status"] for h in f.history] == ["pending", "picking", "packed", "shipped", "delivered"]


def test_not_delivered_is_recorded_once_and_the_fulfilment_stays_shipped(sandbox, sold, notify):
    ship(sandbox, "shipped")
    notify("notification_shipment")
    ship(sandbox, "not_delivered", "returning_to_sender")
    notify("notification_shipment", _id="nd-1")
    notify("notification_shipment", _id="nd-2")  # the same news twice
    f = fulfillment(sold)
    assert f.status == "shipped"
    reports = [h for h in f.history if h.get("carrier_report")]
    assert [(h["carrier_report"], h["detail"]) for h in reports] == [("not_delivered", "returning_to_sender")]


def test_a_shipment_cancelled_before_it_left_cancels_our_order(sandbox, sold, notify):
    ship(sandbox, "cancelled", "cancelled_by_buyer", tracking=None)
    notify("notification_shipment")
    assert order_of(sold).status == "cancelled"
    assert MarketplaceOrder.objects.get().shipment_status == "cancelled"


# --- 1. claims and returns -------------------------------------------------------------------------

def claim(**changes) -> dict:
    return {**fixture("claim"), **changes}


def returned(status: str) -> dict:
    body = fixture("claim_return")
    body["shipping"]["status"] = status
    return body


def test_a_defective_claim_with_a_return_becomes_a_dispute_a_received_return_and_a_resolution(
        sandbox, sold, notify):
    ship(sandbox, "delivered")
    notify("notification_shipment")
    # when the buyer claims the shoe is defective
    sandbox.put_claim(claim())
    notify("notification_claim")
    notify("notification_claim")  # a replay
    dispute = Dispute.objects.get()
    assert (dispute.kind, dispute.status, dispute.external_ref) == ("defective", "open", f"mercadolibre:{CLAIM}")
    assert dispute.order.public_id == sold.order_id and CLAIM in dispute.note
    # when the marketplace opens a return and the buyer ships the goods back
    sandbox.put_claim(claim(related_entities=["return"]), returned("shipped"))
    notify("notification_claim", _id="claim-return-1")
    ret = Return.objects.get()
    assert (ret.status, ret.location) == ("requested", "WH")
    assert [(rl.sku, rl.quantity) for rl in ret.lines.all()] == [("SHOE-40", 1)]
    row = MarketplaceClaim.objects.get()
    assert (row.dispute_id, row.return_id, row.return_tracking) == (dispute.public_id, ret.public_id,
                                                                    "MEL43822268076CL")
    # when the parcel is delivered to the seller: our return is received (defective: not back on sale)
    sandbox.put_claim(claim(related_entities=["return"]), returned("delivered"))
    notify("notification_claim", _id="claim-return-2")
    ret.refresh_from_db()
    assert ret.status == "received" and ret.refunded == Decimal("54000")
    assert [rl.condition for rl in ret.lines.all()] == ["damaged"]
    # when the claim closes with the buyer refunded
    closed = claim(related_entities=["return"], status="closed", stage="claim",
                   resolution={"reason": "item_returned", "benefited": ["complainant"], "closed_by": "mediator",
                               "date_created": "2026-12-16T10:00:00.000-03:00"})
    sandbox.put_claim(closed, returned("delivered"))
    notify("notification_claim", _id="claim-closed")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decision, dispute.amount) == ("resolved", "refund", Decimal("0"))
    # and replays of every notification change nothing
    before = (Dispute.objects.count(), Return.objects.count(), len(dispute.history),
              order_of(sold).refunds.count())
    for _id in ("claim-return-1", "claim-return-2", "claim-closed"):
        notify("notification_claim", _id=_id)
    notify("notification_claim", _id="claim-closed-again")
    dispute.refresh_from_db()
    assert (Dispute.objects.count(), Return.objects.count(), len(dispute.history),
            order_of(sold).refunds.count()) == before


def test_a_not_received_claim_opens_at_once_and_a_seller_win_rejects_it(sandbox, sold, notify):
    # given the parcel is on its way (our own rule would wait for the promised date plus 5 days)
    ship(sandbox, "shipped")
    notify("notification_shipment")
    sandbox.put_claim(claim(reason_id="PNR3430"))
    notify("notification_claim")
    dispute = Dispute.objects.get()
    assert (dispute.kind, dispute.status) == ("not_received", "open")
    # when Mercado Libre closes it for the seller
    sandbox.put_claim(claim(reason_id="PNR3430", status="closed",
                            resolution={"reason": "seller_shipped_item", "benefited": ["respondent"]}))
    notify("notification_claim", _id="closed")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decision) == ("rejected", "reject")
    assert not order_of(sold).refunds.exists()


def test_a_claim_refunded_without_a_return_refunds_what_is_left(sandbox, sold, notify):
    ship(sandbox, "shipped")
    notify("notification_shipment")
    sandbox.put_claim(claim(reason_id="PNR3430", status="closed",
                            resolution={"reason": "payment_refunded", "benefited": ["complainant"]}))
    notify("notification_claim")
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.decision, dispute.amount) == ("resolved", "refund", Decimal("54000"))
    assert [r.amount for r in order_of(sold).refunds.all()] == [Decimal("54000")]


def test_an_orders_claims_are_found_from_its_notification(sandbox, sold, notify):
    # given a claim the claims notification never brought, and the order saying it has one
    sandbox.put_claim(claim(reason_id="PNR3430"))
    sandbox.put_order({**fixture("order"), "mediations": [{"id": int(CLAIM)}]})
    notify("notification_order", _id="order-with-claim")
    assert Dispute.objects.get().external_ref == f"mercadolibre:{CLAIM}"
    assert any(path.startswith("/post-purchase/v1/claims/search?") for _m, path in sandbox.requests)


def test_a_claim_of_an_unknown_order_or_reason_is_kept_with_why(sandbox, sold, notify):
    sandbox.put_claim(claim(resource_id=1))
    notify("notification_claim")
    sandbox.put_claim({**claim(id=5298893831, reason_id="CS100"), "type": "cancel_purchase"})
    notify("notification_claim", _id="other", resource="/post-purchase/v1/claims/5298893831")
    assert not Dispute.objects.exists()
    notes = dict(MarketplaceClaim.objects.values_list("claim_id", "note"))
    assert notes[CLAIM] and notes["5298893831"]
    assert Notification.objects.filter(topic="claims", status="done").count() == 2

"""Every delivery method end to end through the API, every transition, and out-of-order steps
answering 409 invalid-transition."""

import pytest

from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import act, amount, pay_by_webhook, place

pytestmark = pytest.mark.django_db


def test_ship_order_goes_pending_picking_packed_shipped_delivered(api, client, customer_id):
    # given a web order shipped to an address
    r = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id)
    assert r.status_code == 201, r.json()
    order = r.json()
    assert order["number"].startswith("AS-") and order["status"] == "pending_payment"
    (f,) = order["fulfillments"]
    assert f["method"] == "ship" and f["location"] == "WH" and f["status"] == "pending" and "pickup_code" not in f
    assert stock("WH", "SHOE-41")["reserved"] == 1
    # when the card is captured and the fulfilment moves step by step
    assert pay_by_webhook(client, order["payments"][0]["id"]).status_code == 200
    assert act(api, f["id"], "deliver").json()["type"] == "/problems/invalid-transition"
    assert act(api, f["id"], "pick").json()["status"] == "picking"
    assert act(api, f["id"], "pick").status_code == 409
    assert act(api, f["id"], "pack").json()["status"] == "packed"
    assert act(api, f["id"], "ready").status_code == 409  # not a pickup
    assert act(api, f["id"], "ship", {"carrier": "Chilexpress"}).status_code == 422  # tracking required
    shipped = act(api, f["id"], "ship", {"carrier": "Chilexpress", "tracking": "CX123"}).json()
    assert shipped["status"] == "shipped" and shipped["tracking"] == "CX123"
    # then the units left the warehouse at shipping
    assert stock("WH", "SHOE-41") == {**stock("WH", "SHOE-41"), "on_hand": 9, "reserved": 0}
    assert act(api, f["id"], "handover", {"code": "000000"}).status_code == 409
    assert act(api, f["id"], "deliver").json()["status"] == "delivered"
    final = api.get(f"/orders/{order['id']}").json()
    assert final["status"] == "completed"
    # and every transition was an event
    from omnicanal.core.models import OutboxEvent

    changes = [e.payload["status"] for e in OutboxEvent.objects.filter(topic="orders.FulfillmentChanged").order_by("pk")]
    assert changes == ["picking", "packed", "shipped", "delivered"]
    assert OutboxEvent.objects.filter(topic="orders.FulfillmentShipped").get().payload["tracking"] == "CX123"
    assert act(api, f["id"], "deliver").status_code == 409


def test_pickup_at_store_with_stock_hands_over_only_with_the_code(api, client, customer_id):
    # given a pickup order at a store that has the shoe
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # goods never leave unpaid
    (f,) = order["fulfillments"]
    assert f["method"] == "pickup" and f["location"] == "SCL" and len(f["pickup_code"]) == 6
    assert "chosen store" in f["reason"]
    # when it is picked, packed and made ready
    assert act(api, f["id"], "handover", {"code": f["pickup_code"]}).status_code == 409
    for step, status in (("pick", "picking"), ("pack", "packed"), ("ready", "ready_for_pickup")):
        assert act(api, f["id"], step).json()["status"] == status
    assert act(api, f["id"], "arrived").status_code == 409  # curbside only
    # then a wrong code is refused and the right one hands over
    wrong = act(api, f["id"], "handover", {"code": "999999" if f["pickup_code"] != "999999" else "111111"})
    assert wrong.status_code == 422
    assert act(api, f["id"], "handover", {"code": f["pickup_code"]}).json()["status"] == "picked_up"
    assert stock("SCL", "SHOE-40")["on_hand"] == 2


def test_curbside_adds_arrived_with_a_parking_spot(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 2)], method="curbside", location="SCL", customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # goods never leave unpaid
    (f,) = order["fulfillments"]
    assert f["method"] == "curbside"
    for step in ("pick", "pack", "ready"):
        assert act(api, f["id"], step).status_code == 200
    # handing over before the customer says "I'm here" is out of order
    assert act(api, f["id"], "handover", {"code": f["pickup_code"]}).status_code == 409
    arrived = act(api, f["id"], "arrived", {"parking_spot": "B7"}).json()
    assert arrived["status"] == "arrived" and arrived["parking_spot"] == "B7"
    assert act(api, f["id"], "handover", {"code": f["pickup_code"]}).json()["status"] == "picked_up"


def test_curbside_needs_a_store_that_offers_it(api, customer_id):
    r = place(api, lines=[("SHOE-42", 1)], method="curbside", location="VAP", customer_id=customer_id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delivery.location"


def test_pickup_point_ships_to_the_locker_then_hands_over(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], method="pickup_point", location="LOCK", customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # goods never leave unpaid
    (f,) = order["fulfillments"]
    assert f["method"] == "pickup_point" and f["handover_location"] == "LOCK" and f["pickup_code"]
    assert order["totals"]["shipping"]["amount"] == "1990"
    for step, status in (("pick", "picking"), ("pack", "packed"), ("ship", "shipped"), ("ready", "ready_for_pickup"),
                         ("handover", "picked_up")):
        assert act(api, f["id"], step, {"code": f["pickup_code"]}).json()["status"] == status, step


def test_carry_out_at_the_pos_sells_from_that_store_and_is_done(api, issue_key, world):
    # given a clerk of SCL selling two socks for cash
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    r = place(clerk, lines=[("SOCK-1", 2)], method="carry_out", location="SCL", channel="pos",
              payments=[{"method": "cash", "amount": {"amount": "10000", "currency": "CLP"}}])
    assert r.status_code == 201, r.json()
    order = r.json()
    # then the goods left the store at once and the order is paid and complete
    (f,) = order["fulfillments"]
    assert f["method"] == "carry_out" and f["status"] == "picked_up"
    assert stock("SCL", "SOCK-1")["on_hand"] == 3
    assert api.get(f"/orders/{order['id']}").json()["status"] == "completed"
    # and a clerk may not sell from another store's stock
    assert place(clerk, lines=[("SHOE-42", 1)], method="carry_out", location="VAP", channel="pos").status_code == 403


def test_ship_to_store_transfers_from_the_warehouse_with_a_promised_date(api, client, customer_id):
    # given a pickup at Valparaíso, which lacks the SHOE-41
    order = place(api, lines=[("SHOE-41", 2)], method="pickup", location="VAP", customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # goods never leave unpaid
    (f,) = order["fulfillments"]
    assert f["method"] == "ship_to_store" and f["location"] == "WH" and f["handover_location"] == "VAP"
    assert f["transfer_id"] and f["promised_at"] and "transfer" in f["reason"]
    # when the warehouse picks, packs and ships the transfer, and the store receives it
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    assert act(api, f["id"], "ship").json()["status"] == "shipped"
    assert stock("WH", "SHOE-41")["on_hand"] == 8 and stock("WH", "SHOE-41")["reserved"] == 0
    assert act(api, f["id"], "ready").json()["status"] == "ready_for_pickup"
    assert stock("VAP", "SHOE-41")["reserved"] == 2
    # then the handover sells the units from the store
    assert act(api, f["id"], "handover", {"code": f["pickup_code"]}).json()["status"] == "picked_up"
    assert stock("VAP", "SHOE-41") == {**stock("VAP", "SHOE-41"), "on_hand": 0, "reserved": 0}


def test_unknown_action_is_404_and_unknown_fulfillment_is_404(api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    assert act(api, order["fulfillments"][0]["id"], "teleport").status_code == 404
    assert act(api, "ful_nope", "pick").status_code == 404


def test_a_clerk_moves_only_their_stores_fulfilments(api, issue_key, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    # another store's order does not exist for this clerk: 404, not 403 (issue 13, least privilege)
    assert act(clerk, order["fulfillments"][0]["id"], "pick").status_code == 404
    assert clerk.get(f"/orders/{order['id']}").status_code == 404
    assert amount(order["totals"]["total"]) == 50000

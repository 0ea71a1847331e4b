"""Returns at any returns-capable location, for any channel's order; refunds; disputes."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import AuditEntry
from omnicanal.loyalty import queries as loyalty
from omnicanal.orders import services
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import act, amount, console_login, pay_by_webhook, place

pytestmark = pytest.mark.django_db


def delivered_web_order(api, client, customer_id, lines=(("SHOE-41", 2),)):
    order = place(api, lines=list(lines), customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "S1"})
    act(api, f["id"], "deliver")
    return order


def test_a_web_order_returned_at_a_store_as_store_credit(api, client, issue_key, customer_id):
    # given a web order shipped from the warehouse and delivered
    order = delivered_web_order(api, client, customer_id)
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    # when a clerk in Santiago takes one shoe back as store credit
    r = clerk.post("/returns", {"order_id": order["id"], "location": "SCL", "refund_to": "store_credit",
                                "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "too small"}]})
    assert r.status_code == 201, r.json()
    received = clerk.post(f"/returns/{r.json()['id']}/receive",
                          {"lines": [{"sku": "SHOE-41", "quantity": 1, "condition": "resellable"}]})
    assert received.status_code == 200 and received.json()["status"] == "received"
    # then the unit is back in the store's stock and the customer holds the credit
    assert stock("SCL", "SHOE-41")["on_hand"] == 1
    assert amount(received.json()["refunded"]) == 50000
    with transaction.atomic():
        assert loyalty.summary(customer_id).store_credit.amount == 50000
    final = api.get(f"/orders/{order['id']}").json()
    assert final["lines"][0]["returned"] == 1 and final["refunds"][0]["to"] == "store_credit"
    assert AuditEntry.objects.filter(action="return.receive").count() == 1


def test_a_damaged_unit_is_refunded_to_the_card_but_not_restocked(api, client, customer_id):
    order = delivered_web_order(api, client, customer_id)
    ret = api.post("/returns", {"order_id": order["id"], "location": "WH",
                                "lines": [{"sku": "SHOE-41", "quantity": 2, "reason": "defective"}]}).json()
    r = api.post(f"/returns/{ret['id']}/receive", {"lines": [
        {"sku": "SHOE-41", "quantity": 2, "condition": "damaged"}]})
    assert r.status_code == 200
    assert stock("WH", "SHOE-41")["on_hand"] == 8
    final = api.get(f"/orders/{order['id']}").json()
    assert amount(final["totals"]["refunded"]) == amount(final["totals"]["paid"]) == 100000
    assert final["payments"][0]["refunded"]["amount"] == "100000"


def test_returns_are_refused_where_not_possible(api, client, customer_id):
    order = delivered_web_order(api, client, customer_id)
    body = {"order_id": order["id"], "location": "DS", "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "x"}]}
    assert api.post("/returns", body).status_code == 422  # the dark store takes no returns
    body["location"] = "SCL"
    body["lines"][0]["quantity"] = 3
    assert api.post("/returns", body).status_code == 422  # more than was delivered
    body["lines"][0]["quantity"] = 2
    assert api.post("/returns", body).status_code == 201
    assert api.post("/returns", body).status_code == 422  # already being returned
    with clock.frozen(clock.now() + dt.timedelta(days=60)):
        later = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id)
    assert later.status_code == 201


def test_return_window_closes(api, client, customer_id):
    order = delivered_web_order(api, client, customer_id)
    with clock.frozen(clock.now() + dt.timedelta(days=90)):
        r = api.post("/returns", {"order_id": order["id"], "location": "SCL",
                                  "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "late"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.sku"


def test_not_received_dispute_after_the_promise_and_a_partial_refund_is_audited(api, client, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    assert api.post(f"/orders/{order['id']}/disputes", {"kind": "not_received"}).status_code == 422
    with clock.frozen(clock.now() + dt.timedelta(days=10)):
        dispute = api.post(f"/orders/{order['id']}/disputes", {"kind": "not_received"}).json()
    r = api.post(f"/disputes/{dispute['id']}/decide", {"decision": "partial_refund", "amount": {"amount": "20000"}})
    assert r.status_code == 200 and r.json()["amount"]["amount"] == "20000"
    assert AuditEntry.objects.filter(action="dispute.decide").count() == 1
    assert api.post(f"/disputes/{dispute['id']}/decide", {"decision": "reject"}).status_code == 409


def test_a_short_pick_is_resourced_elsewhere(api, customer_id):
    # given a shoe sourced from the warehouse, found missing at picking
    order = place(api, lines=[("SHOE-40", 1), ("SOCK-1", 1)], customer_id=customer_id,
                  address={"line1": "Camino 1", "city": "Pudahuel", "country": "CL"}).json()
    f = order["fulfillments"][0]
    assert f["location"] == "WH"
    act(api, f["id"], "pick")
    r = api.post(f"/fulfillments/{f['id']}/short", {"sku": "SHOE-40", "missing": 1})
    assert r.status_code == 200, r.json()
    # then another location holds it in a new fulfilment, and the rest stays held
    assert r.json()["resourced_to"]
    new = next(x for x in r.json()["order"]["fulfillments"] if x["id"] == r.json()["resourced_to"])
    assert new["location"] == "SCL" and "Re-sourced" in new["reason"]
    assert stock("WH", "SHOE-40")["reserved"] == 0 and stock("WH", "SOCK-1")["reserved"] == 1
    assert stock("SCL", "SHOE-40")["reserved"] == 1


def test_a_short_pick_with_nowhere_else_is_cancelled_with_a_refund(api, client, customer_id):
    order = place(api, lines=[("SHOE-40", 1), ("SOCK-1", 2)], method="pickup", location="SCL",
                  customer_id=customer_id)
    assert order.status_code == 201, order.json()
    order = order.json()
    pay_by_webhook(client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    r = api.post(f"/fulfillments/{f['id']}/short", {"sku": "SHOE-40", "missing": 1}).json()
    assert r["resourced_to"] is None and r["refund"] == "50000"
    assert r["order"]["lines"][0]["cancelled"] == 1


def test_erasure_keeps_totals_and_merge_moves_orders(api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    with transaction.atomic():
        services.do_erase_customer(customer_id=customer_id)
    row = Order.objects.get(public_id=order["id"])
    assert row.address is None and row.total == 8990
    with transaction.atomic():
        services.do_merge_customer_carts(survivor_id="cus_other", merged_id=customer_id)
    assert Order.objects.get(public_id=order["id"]).customer_id == "cus_other"
    assert SYSTEM.is_admin


def test_an_exchange_at_the_store_pays_the_new_size_with_the_returned_value(api, client, customer_id):
    # given a delivered web order of two SHOE-41
    order = delivered_web_order(api, client, customer_id)
    ret = api.post("/returns", {"order_id": order["id"], "location": "SCL",
                                "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "size"}]}).json()
    # when the store swaps one for a SHOE-40 it has on the shelf
    r = api.post(f"/returns/{ret['id']}/receive", {"exchange": [{"sku": "SHOE-40", "quantity": 1}]})
    assert r.status_code == 200, r.json()
    # then the replacement leaves with the customer, paid by the credit, nothing owed either way
    new = api.get(f"/orders/{r.json()['exchange_order_id']}").json()
    assert new["status"] == "completed" and new["fulfillments"][0]["method"] == "carry_out"
    assert [p["method"] for p in new["payments"]] == ["stored_value"]
    assert stock("SCL", "SHOE-40")["on_hand"] == 2 and stock("SCL", "SHOE-41")["on_hand"] == 1
    with transaction.atomic():
        assert loyalty.summary(customer_id).store_credit.amount == 0


def test_a_defective_dispute_decided_as_a_replacement_sends_the_goods_again_for_free(api, client, customer_id):
    order = delivered_web_order(api, client, customer_id, lines=(("SOCK-1", 2),))
    dispute = api.post(f"/orders/{order['id']}/disputes", {"kind": "defective", "note": "holes"}).json()
    r = api.post(f"/disputes/{dispute['id']}/decide", {"decision": "replacement"})
    assert r.status_code == 200, r.json()
    replacement = Order.objects.exclude(public_id=order["id"]).get()
    assert replacement.total == 0 and replacement.status == "paid"
    assert replacement.contact["replacement_of"] == order["id"]


def test_the_returns_desk_receives_a_return_the_customer_announced_for_this_store(api, client, customer_id):
    # given a return the customer asked for (e.g. in the shop's account) to bring to Santiago, as store credit
    order = delivered_web_order(api, client, customer_id)
    ret = api.post("/returns", {"order_id": order["id"], "location": "SCL", "refund_to": "store_credit",
                                "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "size"}]}).json()
    console_login(client, "store_staff", ["SCL"], "desk-clerk")
    # when the clerk finds the order at the desk, the pending return shows with its receive form
    desk = client.get(f"/console/orders/returns/?location=SCL&order={order['number']}").content.decode()
    assert f'data-testid="receive-form-{ret["id"]}"' in desk
    response = client.post(f"/console/orders/r/{ret['id']}/receive/", {
        "location": "SCL", "condition_SHOE-41": "resellable",
        "next": f"/console/orders/returns/?location=SCL&order={order['number']}"})
    # then it is received at the store, restocked there, and refunded as store credit
    assert response.status_code == 302
    final = api.get(f"/returns/{ret['id']}").json()
    assert final["status"] == "received" and final["received_location"] == "SCL"
    assert stock("SCL", "SHOE-41")["on_hand"] == 1
    with transaction.atomic():
        assert loyalty.summary(customer_id).store_credit.amount == 50000
    desk = client.get(f"/console/orders/returns/?location=SCL&order={order['number']}").content.decode()
    assert f'data-testid="receive-form-{ret["id"]}"' not in desk

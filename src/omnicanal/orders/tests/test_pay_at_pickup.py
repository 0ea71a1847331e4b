"""Goods never leave unpaid: handover and ship answer 409 payment-due while the order owes money;
the desk collects the balance (POST /orders/{id}/payments), which then allows the handover. And
the desk's actions rule (`allowed_actions`): no return unpaid or undelivered, no cancel once done."""

import pytest

from omnicanal.orders import queries
from omnicanal.orders.models import Order, Payment
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place


def _ready_pickup(api, customer_id, lines=(("SOCK-1", 1),)):
    """A web order for pickup at SCL, paid by card online (still pending), made ready at the desk."""
    order = place(api, lines=list(lines), method="pickup", location="SCL", customer_id=customer_id).json()
    fid = order["fulfillments"][0]["id"]
    for action in ("pick", "pack", "ready"):
        assert act(api, fid, action).status_code == 200, action
    return order, fid


def _code(api, order_id):
    return api.get(f"/orders/{order_id}").json()["fulfillments"][0]["pickup_code"]


@pytest.mark.django_db
def test_a_pending_card_payment_cannot_be_handed_over_until_the_desk_collects(api, customer_id):
    order, fid = _ready_pickup(api, customer_id)
    assert order["payments"][0]["status"] == "pending"
    assert order["totals"]["due"] == {"amount": "5000", "currency": "CLP"}
    refused = act(api, fid, "handover", {"code": _code(api, order["id"])})
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/payment-due")
    assert refused.json()["amount_due"] == {"amount": "5000", "currency": "CLP"}
    assert api.get(f"/orders/{order['id']}").json()["fulfillments"][0]["status"] == "ready_for_pickup"
    # the desk collects the balance in cash
    paid = api.post(f"/orders/{order['id']}/payments", {"method": "cash", "location": "SCL"})
    assert paid.status_code == 201, paid.json()
    assert paid.json()["method"] == "cash" and paid.json()["status"] == "captured"
    after = api.get(f"/orders/{order['id']}").json()
    assert after["status"] == "paid" and after["totals"]["due"]["amount"] == "0"
    assert [p["status"] for p in after["payments"]] == ["voided", "captured"]  # the online card is not taken too
    handed = act(api, fid, "handover", {"code": _code(api, order["id"])})
    assert handed.status_code == 200 and handed.json()["status"] == "picked_up"
    assert Order.objects.get(public_id=order["id"]).status == "completed"


@pytest.mark.django_db
def test_a_split_collection_needs_all_of_it_and_never_takes_more(api, customer_id):
    order, fid = _ready_pickup(api, customer_id, lines=[("SOCK-1", 2)])
    too_much = api.post(f"/orders/{order['id']}/payments",
                        {"method": "cash", "amount": {"amount": "20000", "currency": "CLP"}})
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
    part = api.post(f"/orders/{order['id']}/payments",
                    {"method": "card", "amount": {"amount": "4000", "currency": "CLP"}})
    assert part.status_code == 201 and part.json()["method"] == "card_present"
    still = act(api, fid, "handover", {"code": _code(api, order["id"])})
    assert still.status_code == 409 and still.json()["amount_due"]["amount"] == "6000"
    assert api.post(f"/orders/{order['id']}/payments", {"method": "cash"}).status_code == 201
    assert act(api, fid, "handover", {"code": _code(api, order["id"])}).status_code == 200
    nothing = api.post(f"/orders/{order['id']}/payments", {"method": "cash"})
    assert nothing.status_code == 409 and nothing.json()["type"].endswith("/invalid-transition")


@pytest.mark.django_db
def test_an_unpaid_order_cannot_ship_and_a_paid_one_can(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    fid = order["fulfillments"][0]["id"]
    act(api, fid, "pick")
    act(api, fid, "pack")
    refused = act(api, fid, "ship", {"carrier": "Chilexpress", "tracking": "CX1"})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/payment-due")
    pay_by_webhook(client, order["payments"][0]["id"])
    assert act(api, fid, "ship", {"carrier": "Chilexpress", "tracking": "CX1"}).status_code == 200


@pytest.mark.django_db
def test_collecting_is_for_the_floor_and_a_clerk_of_another_store_sees_no_order(api, issue_key, customer_id):
    order, _fid = _ready_pickup(api, customer_id)
    agent = api.as_(issue_key("agent"))
    assert agent.post(f"/orders/{order['id']}/payments", {"method": "cash"}).status_code == 403
    other = api.as_(issue_key("store_staff", locations=["VAP"]))
    assert other.post(f"/orders/{order['id']}/payments", {"method": "cash"}).status_code == 404
    assert Payment.objects.filter(order__public_id=order["id"]).count() == 1


@pytest.mark.django_db
def test_allowed_actions_follow_the_order_state(api, client, customer_id):
    order, fid = _ready_pickup(api, customer_id)

    def actions():
        return queries.allowed_actions(queries.get_order(order["id"]))

    # unpaid and not handed: collect, cancel; no refund (nothing captured), no return
    assert actions() == {"collect", "cancel", "dispute"}
    refused = api.post("/returns", {"order_id": order["id"], "location": "SCL",
                                    "lines": [{"sku": "SOCK-1", "quantity": 1, "reason": "talla"}]})
    assert refused.status_code in (409, 422)
    api.post(f"/orders/{order['id']}/payments", {"method": "cash"})
    assert actions() == {"cancel", "refund", "dispute"}  # paid, still at the store: no return yet
    act(api, fid, "handover", {"code": _code(api, order["id"])})
    # completed: no cancel; a return and a refund apply
    assert actions() == {"refund", "return", "dispute"}
    api.post(f"/orders/{order['id']}/refund", {"amount": {"amount": "5000", "currency": "CLP"}})
    assert "refund" not in actions()


@pytest.mark.django_db
def test_a_cancelled_order_allows_nothing(api, customer_id):
    order, _fid = _ready_pickup(api, customer_id)
    assert api.post(f"/orders/{order['id']}/cancel", {}).status_code == 200
    assert queries.allowed_actions(queries.get_order(order["id"])) == frozenset()


@pytest.mark.django_db
def test_the_console_desk_collects_without_js_and_resends_the_same_code(api, client, customer_id):
    from omnicanal.core.models import OutboxEvent
    from omnicanal.orders.tests.helpers import console_login

    order, fid = _ready_pickup(api, customer_id)
    code = _code(api, order["id"])
    console_login(client, "store_staff", ["SCL"], name="desk")
    page = client.get("/console/orders/pickups/?location=SCL").content.decode()
    assert "Ana Pérez" in page and code in page and f'data-testid="handover-{fid}"' not in page
    ready_before = OutboxEvent.objects.filter(topic="orders.FulfillmentReady").count()
    client.post(f"/console/orders/f/{fid}/resend-code/", {"next": "/console/orders/pickups/"})
    sent = OutboxEvent.objects.filter(topic="orders.FulfillmentReady").order_by("pk")
    assert sent.count() == ready_before + 1 and sent.last().payload["pickup_code"] == code
    assert _code(api, order["id"]) == code  # the same code, sent again
    client.post(f"/console/orders/o/{order['id']}/collect/", {"method": "cash", "amount": "2.000"})
    assert api.get(f"/orders/{order['id']}").json()["totals"]["due"]["amount"] == "3000"
    client.post(f"/console/orders/o/{order['id']}/collect/", {"method": "card"})
    assert Order.objects.get(public_id=order["id"]).status == "paid"
    page = client.get("/console/orders/pickups/?location=SCL").content.decode()
    assert f'data-testid="handover-{fid}"' in page

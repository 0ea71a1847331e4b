"""Subscriptions over HTTP: the customer subscribes, skips, pauses and resumes in their own session
(Store API); staff at the POS subscribe a customer with the customer's loyalty QR; marketers list and
act; nobody reaches another customer's subscription."""

from conftest import ApiClient

from omnicanal.loyalty import qr
from omnicanal.marketing.models import Subscription

STORE = "/api/store/v1"
GELS = {"lines": [{"sku": "GEL-1", "quantity": 4}], "interval_days": 30, "delivery_method": "pickup",
        "location": "SCL"}


def shopper(api, client, customer_id):
    answer = api.post(f"/customers/{customer_id}/sessions", {})
    assert answer.status_code == 201, answer.content
    return ApiClient(client, {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"})


def test_the_customer_subscribes_skips_pauses_and_resumes_from_their_account(api, client, ana):
    me = shopper(api, client, ana)
    made = me.post(f"{STORE}/subscriptions", GELS)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["state"] == "active" and body["estimate"] == {"amount": "8000", "currency": "CLP"}
    sub, first = body["id"], body["next_date"]
    assert Subscription.objects.get(public_id=sub).created_by == "customer"  # their own act, not "system"
    skipped = me.post(f"{STORE}/subscriptions/{sub}/skip").json()
    assert skipped["next_date"] > first
    assert me.post(f"{STORE}/subscriptions/{sub}/pause").json()["state"] == "paused"
    assert me.post(f"{STORE}/subscriptions/{sub}/resume").json()["state"] == "active"
    changed = me.patch(f"{STORE}/subscriptions/{sub}", {"interval_days": 45})
    assert changed.status_code == 200 and changed.json()["interval_days"] == 45
    assert [s["id"] for s in me.get(f"{STORE}/subscriptions").json()["items"]] == [sub]
    assert me.post(f"{STORE}/subscriptions/{sub}/cancel").json()["state"] == "cancelled"


def test_another_customer_never_reaches_the_subscription(api, client, ana, bea):
    sub = shopper(api, client, ana).post(f"{STORE}/subscriptions", GELS).json()["id"]
    other = shopper(api, client, bea)
    assert other.post(f"{STORE}/subscriptions/{sub}/pause").status_code == 404
    assert other.patch(f"{STORE}/subscriptions/{sub}", {"interval_days": 60}).status_code == 404
    assert other.get(f"{STORE}/subscriptions").json()["items"] == []
    assert Subscription.objects.get(public_id=sub).state == "active"


def test_a_bad_subscription_is_a_422_naming_the_field(api, client, ana):
    me = shopper(api, client, ana)
    answer = me.post(f"{STORE}/subscriptions", {**GELS, "location": "WH"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["location"]


def test_store_staff_subscribe_a_customer_at_the_pos_with_their_qr(api, issue_key, ana):
    clerk = api.as_(issue_key("store_staff", locations=["SCL"]))
    token, _ = qr.make_token(ana)
    # without the customer's QR nothing is made; with it, the customer is subscribed at the clerk's store
    assert clerk.post(f"/customers/{ana}/subscriptions", GELS).status_code == 422
    assert clerk.post(f"/customers/{ana}/subscriptions", {**GELS, "qr": "forged"}).status_code == 422
    made = clerk.post(f"/customers/{ana}/subscriptions", {**GELS, "qr": token})
    assert made.status_code == 201, made.content
    assert Subscription.objects.get(public_id=made.json()["id"]).created_by not in ("", "system", "customer")
    # not for another store, and a clerk does not manage subscriptions afterwards
    assert clerk.post(f"/customers/{ana}/subscriptions", {**GELS, "location": "VAP", "qr": token}).status_code == 403
    assert clerk.get("/subscriptions").status_code == 403
    # a marketer lists and pauses it; an agent may not
    marketer = api.as_(issue_key("marketer"))
    listed = marketer.get(f"/subscriptions?customer_id={ana}").json()["items"]
    assert [s["id"] for s in listed] == [made.json()["id"]]
    assert marketer.post(f"/subscriptions/{listed[0]['id']}/pause").json()["state"] == "paused"
    assert api.as_(issue_key("agent")).get("/subscriptions").status_code == 403

"""Pickup codes: locked after 5 wrong tries (429 even for the right code), re-issued by the desk of
the pickup location (audited, sent to the customer again), the old code dead."""

import pytest

from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.orders.models import Fulfillment
from omnicanal.orders.tests.helpers import act, place

pytestmark = pytest.mark.django_db


def _ready_pickup(api, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    assert api.post(f"/orders/{order['id']}/payments", {"method": "cash"}).status_code == 201  # paid at the desk
    for step in ("pick", "pack", "ready"):
        assert act(api, f["id"], step).status_code == 200
    return f["id"], Fulfillment.objects.get(public_id=f["id"]).pickup_code


def _other(code):
    return "999999" if code != "999999" else "111111"


def test_a_pickup_code_locks_after_5_wrong_tries_and_the_desk_reissues_it(api, issue_key, customer_id):
    # given a pickup ready at SCL and five wrong codes at the desk
    fid, code = _ready_pickup(api, customer_id)
    desk = api.as_(issue_key("store_staff", ["SCL"]))
    for _ in range(5):
        assert act(desk, fid, "handover", {"code": _other(code)}).status_code == 422
    # when the right code comes
    locked = act(desk, fid, "handover", {"code": code})
    # then it is refused: 429 problem+json with Retry-After, nothing handed over
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert locked.json()["type"] == "/problems/too-many-requests"
    assert int(locked["Retry-After"]) > 0
    assert Fulfillment.objects.get(public_id=fid).status == "ready_for_pickup"
    # when another store's clerk or an agent tries to re-issue the code, they may not
    assert api.as_(issue_key("store_staff", ["VAP"])).post(f"/fulfillments/{fid}/pickup-code").status_code == 403
    assert api.as_(issue_key("agent")).post(f"/fulfillments/{fid}/pickup-code").status_code == 403
    # when the desk of the pickup location re-issues it
    readies = OutboxEvent.objects.filter(topic="orders.FulfillmentReady").count()
    reissued = desk.post(f"/fulfillments/{fid}/pickup-code")
    assert reissued.status_code == 200, reissued.content
    assert reissued.json() == {"id": fid, "status": "ready_for_pickup", "reissued": True}
    new = Fulfillment.objects.get(public_id=fid).pickup_code
    # then the customer is sent the new code, the act is audited, the old code is dead and the new one works
    sent = OutboxEvent.objects.filter(topic="orders.FulfillmentReady").order_by("pk")
    assert sent.count() == readies + 1 and sent.last().payload["pickup_code"] == new
    assert AuditEntry.objects.filter(action="fulfillment.pickup_code.reissue", target_id=fid).count() == 1
    if new != code:
        assert act(desk, fid, "handover", {"code": code}).status_code == 422
    assert act(desk, fid, "handover", {"code": new}).json()["status"] == "picked_up"


def test_a_handed_over_pickup_gets_no_new_code(api, issue_key, customer_id):
    fid, code = _ready_pickup(api, customer_id)
    assert act(api, fid, "handover", {"code": code}).status_code == 200
    assert api.post(f"/fulfillments/{fid}/pickup-code").status_code == 409


def test_the_console_desk_reissues_a_code(client, customer_id, api):
    from omnicanal.core.models import User

    fid, code = _ready_pickup(api, customer_id)
    clerk = User.objects.create_user(username="desk", password="desk-password-1", role="store_staff", locations=["SCL"])
    client.force_login(clerk)
    for _ in range(5):
        client.post(f"/console/orders/f/{fid}/handover/", {"code": _other(code)})
    client.post(f"/console/orders/f/{fid}/handover/", {"code": code})
    assert Fulfillment.objects.get(public_id=fid).status == "ready_for_pickup"  # locked
    client.post(f"/console/orders/f/{fid}/pickup-code/")
    new = Fulfillment.objects.get(public_id=fid).pickup_code
    client.post(f"/console/orders/f/{fid}/handover/", {"code": new})
    assert Fulfillment.objects.get(public_id=fid).status == "picked_up"

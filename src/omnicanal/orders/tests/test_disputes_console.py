"""Disputes: the console queue and detail, the decide form (managers only, as refunds), opening a
dispute from the order, the partial-refund limit (422 on `amount`), audit and the order timeline."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from omnicanal.core import audit, clock, local_time
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Forbidden, ValidationFailed
from omnicanal.core.models import AuditEntry
from omnicanal.core.money import Money
from omnicanal.orders import services
from omnicanal.orders.models import Dispute, Order, Refund
from omnicanal.orders.tests.helpers import act, amount, console_login, pay_by_webhook, place

pytestmark = pytest.mark.django_db


def login(client, role, locations=(), name=""):
    return console_login(client, role, locations, name or f"{role}-dsp")


def late_order(api, client, customer_id, sku="SHOE-41", channel="web"):
    """Paid (50.000) and never delivered: disputable as not received ten days later."""
    order = place(api, lines=[(sku, 1)], customer_id=customer_id, channel=channel).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    return order


def open_late(api, order, note="never came"):
    with clock.frozen(clock.now() + dt.timedelta(days=10)):
        r = api.post(f"/orders/{order['id']}/disputes", {"kind": "not_received", "note": note})
    assert r.status_code == 201, r.json()
    return r.json()


def delivered(api, client, customer_id):
    order = late_order(api, client, customer_id, sku="SOCK-1")
    f = order["fulfillments"][0]
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "S1"})
    act(api, f["id"], "deliver")
    return order


# --- the service and the API ---------------------------------------------------------------------------


def test_a_partial_refund_above_what_is_left_is_refused_on_amount(api, client, customer_id):
    order = late_order(api, client, customer_id)
    dispute = open_late(api, order)
    api.post(f"/orders/{order['id']}/refund", {"amount": {"amount": "20000"}})  # 30.000 left of 50.000
    r = api.post(f"/disputes/{dispute['id']}/decide", {"decision": "partial_refund", "amount": {"amount": "30001"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    assert Dispute.objects.get(public_id=dispute["id"]).status == "open"
    assert Refund.objects.filter(reference=dispute["id"]).count() == 0
    # exactly what is left is fine
    r = api.post(f"/disputes/{dispute['id']}/decide", {"decision": "partial_refund", "amount": {"amount": "30000"}})
    assert r.status_code == 200 and amount(r.json()["amount"]) == 30000
    assert amount(api.get(f"/orders/{order['id']}").json()["totals"]["refunded"]) == 50000


def test_the_service_refuses_a_partial_refund_above_the_rest_and_a_total_refund_of_nothing(api, client, customer_id):
    order = late_order(api, client, customer_id)
    first, second = open_late(api, order), None
    with transaction.atomic():
        o = Order.objects.get(public_id=order["id"])
        with pytest.raises(ValidationFailed) as refused:
            services.do_decide_dispute(dispute_id=first["id"], decision="partial_refund",
                                       amount=Money.of("50001", "CLP"), actor=services.SYSTEM)
        assert refused.value.errors[0].field == "amount"
        services.do_refund(order=o, amount=Money.of("50000", "CLP"))
    with transaction.atomic(), pytest.raises(ValidationFailed) as nothing:
        services.do_decide_dispute(dispute_id=first["id"], decision="refund", actor=services.SYSTEM)
    assert nothing.value.errors[0].field == "decision"
    assert second is None


def test_decisions_are_for_managers_only(api, client, issue_key, customer_id):
    order = late_order(api, client, customer_id)
    dispute = open_late(api, order)
    body = {"decision": "partial_refund", "amount": {"amount": "1000"}}
    for role, locations in (("agent", ()), ("store_staff", ["WH"]), ("integration", ())):
        assert api.as_(issue_key(role, locations)).post(f"/disputes/{dispute['id']}/decide", body).status_code == 403
    clerk = Principal(kind="user", id="9", name="clerk", role="store_staff", locations=frozenset({"WH"}))
    with transaction.atomic(), pytest.raises(Forbidden):
        services.do_decide_dispute(dispute_id=dispute["id"], decision="reject", actor=clerk)
    assert Dispute.objects.get(public_id=dispute["id"]).status == "open"
    assert api.as_(issue_key("manager")).post(f"/disputes/{dispute['id']}/decide", body).status_code == 200


def test_store_staff_may_not_open_disputes_and_one_open_per_kind(api, client, issue_key, customer_id):
    order = late_order(api, client, customer_id)
    with clock.frozen(clock.now() + dt.timedelta(days=10)):
        clerk = api.as_(issue_key("store_staff", ["WH"]))
        assert clerk.post(f"/orders/{order['id']}/disputes", {"kind": "not_received"}).status_code == 403
        agent = api.as_(issue_key("agent"))
        r = agent.post(f"/orders/{order['id']}/disputes", {"kind": "not_received", "note": "x"})
        assert r.status_code == 201 and r.json()["opened_by"].startswith("apikey:")
        assert agent.post(f"/orders/{order['id']}/disputes", {"kind": "not_received"}).status_code == 409
    listed = agent.get("/disputes?status=open").json()
    assert [d["id"] for d in listed] == [r.json()["id"]]


# --- the console ---------------------------------------------------------------------------------------


def test_the_queue_lists_open_disputes_oldest_first_and_filters(api, client, customer_id):
    older = late_order(api, client, customer_id)
    newer = delivered(api, client, customer_id)
    d_old = open_late(api, older)
    with clock.frozen(clock.now() + dt.timedelta(days=11)):
        d_new = api.post(f"/orders/{newer['id']}/disputes", {"kind": "defective", "note": "holes"}).json()
    login(client, "agent")
    page = client.get("/console/orders/disputes/").content.decode()
    assert page.index(older["number"]) < page.index(newer["number"])
    assert "Ana Pérez" in page and "web" in page and "$50.000" in page  # customer, channel, paid
    only_defective = client.get("/console/orders/disputes/?kind=defective").content.decode()
    assert newer["number"] in only_defective and older["number"] not in only_defective
    api.post(f"/disputes/{d_old['id']}/decide", {"decision": "reject"})
    open_now = client.get("/console/orders/disputes/?status=open").content.decode()
    decided = client.get("/console/orders/disputes/?status=decided").content.decode()
    assert older["number"] not in open_now and older["number"] in decided and newer["number"] not in decided
    assert d_new["id"] in open_now


def test_the_detail_shows_the_order_and_only_a_manager_gets_the_decide_form(api, client, customer_id):
    order = late_order(api, client, customer_id)
    dispute = open_late(api, order, note="the courier never came")
    login(client, "agent")
    page = client.get(f"/console/orders/disputes/{dispute['id']}/").content.decode()
    assert "the courier never came" in page and "SHOE-41" in page and order["number"] in page
    assert order["fulfillments"][0]["promised_at"][:10] in page  # the promised date
    assert 'data-testid="decide-form"' not in page
    assert client.post(f"/console/orders/disputes/{dispute['id']}/decide/",
                       {"decision": "reject"}).status_code == 403
    login(client, "store_staff", ["WH"])
    assert client.get("/console/orders/disputes/").status_code == 403
    assert client.post(f"/console/orders/disputes/{dispute['id']}/decide/",
                       {"decision": "reject"}).status_code == 403
    assert Dispute.objects.get(public_id=dispute["id"]).status == "open"
    login(client, "manager")
    assert 'data-testid="decide-form"' in client.get(f"/console/orders/disputes/{dispute['id']}/").content.decode()


def test_the_dispute_is_headed_by_its_order_in_words_its_id_only_as_a_small_code(api, client, customer_id):
    import re

    order = late_order(api, client, customer_id)
    dispute = open_late(api, order)
    login(client, "manager")
    for language, heading in (("es", "Disputa del pedido"), ("en", "Dispute of order")):
        client.cookies["omnicanal_language"] = language
        page = client.get(f"/console/orders/disputes/{dispute['id']}/").content.decode()
        h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
        assert f"{heading} {order['number']}" in h1 and dispute["id"] not in h1
        assert f'ID <code translate="no" data-testid="dispute-id">{dispute["id"]}</code>' in page
        opened = Dispute.objects.get(public_id=dispute["id"]).created_at  # ten days after the order
        shown = opened.astimezone(ZoneInfo(local_time.business_zone_name())).strftime("%d-%m-%Y %H:%M")
        assert shown in page  # the "Opened" line: when it was opened, in the reader's zone


def test_a_manager_decides_a_partial_refund_in_the_console_audited_and_on_the_timeline(api, client, customer_id):
    order = late_order(api, client, customer_id)
    dispute = open_late(api, order)
    login(client, "manager")
    url = f"/console/orders/disputes/{dispute['id']}/decide/"
    client.post(url, {"decision": "partial_refund", "amount": "20.000"})  # not confirmed: nothing done
    assert Dispute.objects.get(public_id=dispute["id"]).status == "open"
    client.post(url, {"decision": "partial_refund", "amount": "60.000", "confirm": "yes"})  # more than was paid
    assert Dispute.objects.get(public_id=dispute["id"]).status == "open"
    client.post(url, {"decision": "partial_refund", "amount": "20.000", "note": "courier lost one box",
                      "confirm": "yes"})
    d = Dispute.objects.get(public_id=dispute["id"])
    assert d.status == "resolved" and d.decision == "partial_refund" and d.amount == 20000
    assert d.decided_by.startswith("user:manager")
    entry = AuditEntry.objects.get(action="dispute.decide", target_id=dispute["id"])
    assert entry.after["amount"] in ("20000", "20000.00") and audit.reason_of(entry) == "courier lost one box"
    detail = client.get(f"/console/orders/o/{order['id']}/").content.decode()
    assert "Disputa decidida: Reembolso parcial $20.000" in detail and "Disputa abierta: No recibido" in detail
    assert "$20.000" in client.get(f"/console/orders/disputes/{dispute['id']}/").content.decode()


def test_a_replacement_from_the_console_is_a_free_order(api, client, customer_id):
    order = delivered(api, client, customer_id)
    dispute = api.post(f"/orders/{order['id']}/disputes", {"kind": "defective"}).json()
    login(client, "manager")
    client.post(f"/console/orders/disputes/{dispute['id']}/decide/", {"decision": "replacement", "confirm": "yes"})
    replacement = Order.objects.exclude(public_id=order["id"]).get()
    assert replacement.total == 0 and replacement.contact["replacement_of"] == order["id"]
    history = Dispute.objects.get(public_id=dispute["id"]).history
    assert history[-1]["replacement"] == replacement.public_id


def test_an_agent_opens_a_dispute_from_the_order_page(api, client, customer_id):
    order = delivered(api, client, customer_id)
    login(client, "agent")
    page = client.get(f"/console/orders/o/{order['id']}/").content.decode()
    assert 'data-testid="open-dispute"' in page
    r = client.post(f"/console/orders/o/{order['id']}/dispute/", {"kind": "defective", "note": "torn seam"})
    d = Dispute.objects.get(order__public_id=order["id"])
    assert r.status_code == 302 and r["Location"].endswith(f"/disputes/{d.public_id}/")
    assert d.note == "torn seam" and d.opened_by.startswith("user:agent")
    assert AuditEntry.objects.filter(action="dispute.open", target_id=d.public_id).count() == 1
    # not late: refused with a message, nothing opened
    client.post(f"/console/orders/o/{order['id']}/dispute/", {"kind": "not_received"})
    assert Dispute.objects.filter(order__public_id=order["id"]).count() == 1
    login(client, "store_staff", ["WH"])
    assert 'data-testid="open-dispute"' not in client.get(f"/console/orders/o/{order['id']}/").content.decode()
    assert client.post(f"/console/orders/o/{order['id']}/dispute/", {"kind": "defective"}).status_code == 403


def test_the_demo_leaves_disputes_and_mail_returns_to_work_on(customer_id):
    import random

    from omnicanal.catalog.models import Variant
    from omnicanal.orders import demo
    from omnicanal.orders.models import Return

    with transaction.atomic():
        made = demo._disputes_and_mail_returns(random.Random(3), [customer_id],
                                                list(Variant.objects.order_by("pk")), clock.now())
    assert made == (5, 3)
    assert Dispute.objects.filter(status="open").count() == 4
    assert Dispute.objects.filter(status="resolved", decision="partial_refund").count() == 1
    assert sorted(Return.objects.filter(by_mail=True).values_list("status", flat=True)) == [
        "in_transit", "requested", "requested"]


def test_the_disputes_queue_refuses_unknown_filters_field_by_field(api):
    for query, field in (("status=bogus", "status"), ("kind=teleported", "kind")):
        r = api.get(f"/disputes?{query}")
        assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
        assert field in str(r.json())

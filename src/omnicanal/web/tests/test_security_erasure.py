"""Erasure reaches everything: a canary customer acts across every domain, is erased, and a full
dump of the database (SQLite's iterdump, PostgreSQL's pg_dump) holds none of their name, email,
phone or street. Before the erasure, no audit entry holds them either (the audit log is append-only:
it must never receive personal data in the first place)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from django.db import connection, transaction

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import WA
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations.models import Conversation
from omnicanal.core.auth import principal_for_user
from omnicanal.core.models import AuditEntry, AuditNote, IdempotencyRecord, OutboxEvent
from omnicanal.core.money import Money
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty.services import goodwill, program, stored_value
from omnicanal.orders.models import Return
from omnicanal.orders.tests.conftest import make_world
from omnicanal.orders.tests.helpers import act, pay_by_webhook

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Zyxwvu Canary"
EMAIL = "zyxwvu.canary@correo.cl"
PHONE = "+56 9 7531 8642"
WA_ID = "56975318642"
STREET = "Pasaje Qwxzvb 4321"
# What must be found nowhere after the erasure (case-insensitive; the phone in any of its forms).
CANARIES = ("zyxwvu", "qwxzvb", "975318642", "7531 8642", "7531-8642")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _whatsapp(client, text: str, message_id: str):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "56229401234", "phone_number_id": WA["phone_number_id"]},
        "contacts": [{"profile": {"name": NAME}, "wa_id": WA_ID}],
        "messages": [{"from": WA_ID, "id": message_id, "timestamp": "1893456000", "type": "text",
                      "text": {"body": text}}]}}]}]}).encode()
    answer = client.post("/webhooks/whatsapp", body, content_type="application/json",
                         HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
    assert answer.status_code == 200, answer.content


def _created(answer, status=201):
    assert answer.status_code == status, answer.content
    return answer.json()


def act_everywhere(client, api) -> str:
    """The canary customer across every domain, as the demo does it; answers their id."""
    make_world()
    with transaction.atomic():
        program.do_configure_program(name="Club Andes", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)
        program.do_add_rule(kind="activity", name="Reseña", activity="review", reward=50)
        agent = principal_for_user(do_create_staff_user(username="agente", password="secret-pass", role="agent"))
    # identified on the web with an Idempotency-Key that echoes the person, then on Telegram
    identified = api.post("/customers/identify", {
        "channel": "web", "identities": [{"kind": "email", "value": EMAIL}, {"kind": "phone", "value": PHONE}],
        "traits": {"name": NAME}}, headers={"Idempotency-Key": f"identify-{EMAIL}"})
    customer_id = _created(identified, 200)["customer_id"]
    api.post("/customers/identify", {"channel": "telegram", "identities": [
        {"kind": "telegram", "value": "tg-zyxwvu"}, {"kind": "email", "value": EMAIL}], "traits": {"name": NAME}})
    # WhatsApp and a signed-in web chat, both telling their name, email and phone
    with testing.whatsapp(WA["access_token"]) as server:
        from omnicanal.channels.services import do_create_inbox

        with transaction.atomic():
            do_create_inbox(channel="whatsapp", name="WhatsApp", config={"base_url": server.url, **WA})
            chat = do_create_inbox(channel="webchat", name="Chat", config={"identity_secret": "shop-secret"})
        _whatsapp(client, f"Hola, soy {NAME}, mi correo es {EMAIL} y mi teléfono {PHONE}", "wamid.HBgLcanario-1")
        session = client.post(f"/webchat/{chat.public_id}/session", json.dumps(
            {"email": EMAIL, "user_hash": webchat.shopper_hash("shop-secret", EMAIL)}), content_type="application/json")
        client.post(f"/webchat/{chat.public_id}/messages", json.dumps(
            {"token": session.json()["token"], "text": f"Soy {NAME}, vivo en {STREET}", "client_id": "1"}),
            content_type="application/json")
        # and, earlier, as an anonymous visitor who typed the email to be answered there
        anonymous = client.post(f"/webchat/{chat.public_id}/session", "{}", content_type="application/json").json()
        client.post(f"/webchat/{chat.public_id}/messages", json.dumps(
            {"token": anonymous["token"], "text": f"¿Me responden a {EMAIL}? Soy {NAME}", "client_id": "a1"}),
            content_type="application/json")
        left = client.post(f"/webchat/{chat.public_id}/email", json.dumps({"token": anonymous["token"], "email": EMAIL}),
                           content_type="application/json")
        assert left.status_code == 200, left.content
        conversation_id = Conversation.objects.get(customer_id=customer_id, status="open").public_id
        # loyalty: points with a typed reason, a gift card bought with a reference, a top-up, an activity
        _created(api.post(f"/customers/{customer_id}/loyalty/adjustments",
                          {"kind": "points", "amount": "20000", "reason": f"Bienvenida para {NAME} {EMAIL}"}))
        card = _created(api.post("/gift-cards", {"amount": {"amount": "10000", "currency": "CLP"},
                                                 "purchaser_id": customer_id, "reference": f"venta {EMAIL}"}))
        with transaction.atomic():  # trusted code (an import) may name its own reference, free text and all
            stored_value.do_top_up_wallet(customer_id=customer_id, amount=Money.of(3000), reference=f"pago de {EMAIL}")
        _created(api.post(f"/customers/{customer_id}/loyalty/activities",
                          {"activity": "review", "reference": f"reseña de {NAME}"}), 201)
        _created(api.post("/coupons", {"code": "BIENVENIDA10", "kind": "percent", "value": 10}))
        # an agent makes amends from the thread, with notes that name the person
        with transaction.atomic():
            goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=Money.of(5000), actor=agent,
                                              note=f"Disculpas a {NAME}, llamar al {PHONE}", reference=conversation_id)
            goodwill.do_issue_customer_coupon(customer_id=customer_id, kind="amount", value=Money.of(3000).amount,
                                              note=f"Para {NAME} ({EMAIL})", actor=agent, reference=conversation_id)
        # an order shipped to their street, paid with points, the gift card and a card, with a coupon
        address = {"line1": STREET, "line2": NAME, "city": "Santiago", "country": "CL"}
        qr = _created(api.post(f"/customers/{customer_id}/loyalty/qr"), 200)["token"]  # the customer is present
        placed = _created(api.post("/orders", {
            "channel": "web", "customer_id": customer_id, "lines": [{"sku": "SHOE-40", "quantity": 1}],
            "delivery": {"method": "ship", "address": address}, "coupon": "BIENVENIDA10",
            "contact": {"name": NAME, "email": EMAIL, "phone": PHONE},
            "presence": {"qr": qr},
            "payments": [{"method": "points", "amount": {"amount": "5000"}},
                         {"method": "gift_card", "amount": {"amount": "10000"}, "gift_card_code": card["code"],
                          "pin": card["pin"]},
                         {"method": "card", "amount": {"amount": "30000"}}]},
            headers={"Idempotency-Key": f"order-{NAME}"}))
        order = _created(api.get(f"/orders/{placed['id']}"), 200)
        card_payment = next(p for p in order["payments"] if p["method"] == "card")
        assert pay_by_webhook(client, card_payment["id"]).status_code == 200
        fulfillment = _created(api.get(f"/orders/{placed['id']}"), 200)["fulfillments"][0]["id"]
        for action, body in (("pick", None), ("pack", None), ("ship", {"carrier": "chilexpress", "tracking": "CX1"}),
                             ("deliver", None)):
            _created(act(api, fulfillment, action, body), 200)
        # a return with a reason that names them, refunded as store credit
        returned = _created(api.post("/returns", {
            "order_id": placed["id"], "location": "SCL", "refund_to": "store_credit",
            "lines": [{"sku": "SHOE-40", "quantity": 1, "reason": f"{NAME} cambió de idea"}]}))
        _created(api.post(f"/returns/{returned['id']}/receive",
                          {"lines": [{"sku": "SHOE-40", "quantity": 1, "condition": "resellable"}]}), 200)
        # a second order, cancelled by staff with words that name them (analytics counts the cause)
        second = _created(api.post("/orders", {
            "channel": "web", "customer_id": customer_id, "lines": [{"sku": "SOCK-1", "quantity": 1}],
            "delivery": {"method": "pickup", "location": "SCL"}}))
        _created(api.post(f"/orders/{second['id']}/cancel", {"reason": f"{NAME} llamó desde {STREET}"}), 200)
        # the agent answers by name, resolves, and the customer rates the help on WhatsApp
        _created(api.post(f"/conversations/{conversation_id}/messages", {"text": f"Hola {NAME}, listo."}))
        _created(api.post(f"/conversations/{conversation_id}/resolve"), 200)
        _whatsapp(client, "5", "wamid.HBgLcanario-2")
    # every step took effect: one person, rated, refunded in store credit, paid with points and card
    view = _created(api.get(f"/customers/{customer_id}"), 200)
    assert {i["kind"] for i in view["identities"]} >= {"email", "phone", "telegram", "whatsapp", "webchat"}
    assert Conversation.objects.get(public_id=conversation_id).csat_score == 5
    assert Return.objects.get(public_id=returned["id"]).status == "received"
    assert {p["method"] for p in order["payments"]} >= {"points", "gift_card", "card"}
    assert IdempotencyRecord.objects.count() == 2 and AuditNote.objects.exists()
    # and an admin once corrected a message of theirs in /admin (Django's own history names it)
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(user_id=int(agent.id), content_type=ContentType.objects.get_for_model(Conversation),
                            object_id="1", object_repr=f"Conversación de {NAME}", action_flag=CHANGE,
                            change_message=f'[{{"changed": {{"fields": ["{EMAIL}"]}}}}]')
    return customer_id


def _dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to dump the PostgreSQL test database"
    dumped = subprocess.run(
        [pg_dump, "--data-only", "--no-owner", "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432),
         "-U", settings.get("USER") or "postgres", settings["NAME"]],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""},
    )
    return dumped.stdout


def _found(text: str) -> list[str]:
    """Each dumped row (or text) holding a canary, with its table's name first."""
    hits, table = [], ""
    for line in text.splitlines():
        if started := re.match(r'(?:INSERT INTO|COPY) "?(?:public\.)?"?(\w+)', line):
            table = started.group(1)
        lowered = line.lower()
        if any(canary in lowered for canary in CANARIES):
            hits.append(f"{table}: {line[:400]}")
    return hits


def test_after_acting_everywhere_the_audit_log_holds_no_personal_data(client, api):
    # given the canary customer acting across every domain
    act_everywhere(client, api)
    # then no audit entry holds their name, email, phone or street, nor anything shaped like an
    # email address or a phone number
    email_like = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone_like = re.compile(r"\+?\d[\d .()-]{7,}\d")
    for entry in AuditEntry.objects.all():
        text = json.dumps([entry.actor_name, entry.target_id, entry.before, entry.after, entry.reason],
                          ensure_ascii=False)
        assert not _found(text), (entry.action, text)
        assert not email_like.search(text), (entry.action, text)
        assert not [m for m in phone_like.findall(text) if not re.fullmatch(r"[\d.]+", m)], (entry.action, text)


def test_after_erasure_a_full_database_dump_holds_no_trace_of_the_person(client, api):
    # given the canary customer acting across every domain, their traces in many tables
    customer_id = act_everywhere(client, api)
    assert _found(_dump())
    # when a manager erases them
    _created(api.post(f"/customers/{customer_id}/erase", {"reason": "Solicitud Ley 19.628"}), 200)
    # then no table of the whole database holds their name, email, phone or street
    hits = _found(_dump())
    assert not hits, "\n---\n".join(hits[:40])
    # and nothing failed on the way (no handler trips over the erased customer)
    assert not OutboxEvent.objects.filter(status="failed").exists()


def test_events_about_an_erased_customer_never_fail_their_handlers(client, api):
    # given a customer with a paid-later order, who is erased before paying
    make_world()
    with transaction.atomic():
        program.do_configure_program(name="Club Andes", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)
    customer_id = _created(api.post("/customers/identify", {
        "channel": "web", "identities": [{"kind": "email", "value": EMAIL}, {"kind": "phone", "value": PHONE}],
        "traits": {"name": NAME}}), 200)["customer_id"]
    placed = _created(api.post("/orders", {
        "channel": "web", "customer_id": customer_id, "lines": [{"sku": "SHOE-40", "quantity": 1}],
        "delivery": {"method": "ship", "address": {"line1": STREET, "city": "Santiago", "country": "CL"}},
        "payments": [{"method": "card", "amount": {"amount": "50000"}}]}))
    _created(api.post(f"/customers/{customer_id}/erase", {"reason": "Solicitud Ley 19.628"}), 200)
    # when the payment arrives and the order ships (points, notifications, timeline react)
    order = _created(api.get(f"/orders/{placed['id']}"), 200)
    assert pay_by_webhook(client, order["payments"][0]["id"]).status_code == 200
    fulfillment = order["fulfillments"][0]["id"]
    for action, body in (("pick", None), ("pack", None), ("ship", {"carrier": "chilexpress", "tracking": "CX2"})):
        _created(act(api, fulfillment, action, body), 200)
    # then every handler completed, and nothing of the person came back
    assert not list(OutboxEvent.objects.filter(status__in=["failed", "pending"]).values_list("topic", "last_error"))
    assert not _found(_dump())

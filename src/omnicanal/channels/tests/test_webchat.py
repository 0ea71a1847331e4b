import json

import pytest

from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations.models import Attachment, Conversation, Message


@pytest.fixture
def chat(make_inbox):
    return make_inbox("webchat", identity_secret="shop-secret")


def post(client, chat, path, body):
    return client.post(f"/webchat/{chat.public_id}/{path}", json.dumps(body), content_type="application/json")


def test_a_visitor_gets_a_signed_device_and_translated_texts(client, chat):
    session = post(client, chat, "session", {"lang": "es"}).json()
    assert webchat.read_token(session["token"]).device_id == session["device_id"]
    assert session["texts"]["placeholder"] == "Escribe un mensaje…"
    again = post(client, chat, "session", {"token": session["token"], "lang": "en"}).json()
    assert again["device_id"] == session["device_id"] and again["texts"]["send"] == "Send"


@pytest.mark.parametrize("token, expected", [("", 401), ("forged.token:value", 403)])
def test_a_missing_or_forged_visitor_token_changes_nothing(client, chat, token, expected):
    answer = post(client, chat, "messages", {"token": token, "text": "Hola", "client_id": "1"})
    assert answer.status_code == expected and not Message.objects.exists()


def test_a_token_of_another_inbox_is_refused(client, chat, make_inbox):
    other = make_inbox("webchat")
    token = post(client, other, "session", {}).json()["token"]
    assert post(client, chat, "messages", {"token": token, "text": "Hola", "client_id": "1"}).status_code == 403


def test_a_shop_vouched_shopper_is_a_verified_email_and_a_bad_hash_is_refused(client, chat):
    bad = post(client, chat, "session", {"email": "ana@example.cl", "user_hash": "00"})
    assert bad.status_code == 403
    good = post(client, chat, "session", {"email": "ana@example.cl", "user_hash": webchat.shopper_hash("shop-secret", "ana@example.cl")})
    post(client, chat, "messages", {"token": good.json()["token"], "text": "Hola", "client_id": "1"})
    from omnicanal.customers import queries

    customer = queries.find_by_identity("email", "ana@example.cl")
    assert customer is not None and customer.public_id == Conversation.objects.get().customer_id


def test_resent_messages_are_stored_once_and_polling_returns_new_ones(client, chat):
    token = post(client, chat, "session", {}).json()["token"]
    first = post(client, chat, "messages", {"token": token, "text": "Hola", "client_id": "abc"})
    post(client, chat, "messages", {"token": token, "text": "Hola", "client_id": "abc"})
    assert first.status_code == 202 and Message.objects.count() == 1
    post(client, chat, "messages", {"token": token, "text": "¿Hay alguien?", "client_id": "abd"})
    polled = client.get(f"/webchat/{chat.public_id}/messages", {"token": token, "after": first.json()["id"]}).json()
    assert [m["text"] for m in polled["messages"]] == ["¿Hay alguien?"]


def test_upload_keeps_the_file(client, chat):
    token = post(client, chat, "session", {}).json()["token"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = client.post(f"/webchat/{chat.public_id}/upload", {"token": token, "file": SimpleUploadedFile(
        "boleta.pdf", b"%PDF-1.4 demo", content_type="application/pdf")})
    assert answer.status_code == 202
    assert Attachment.objects.get().size == len(b"%PDF-1.4 demo")


def test_with_nobody_online_the_visitor_leaves_an_email_and_the_answer_goes_there(client, chat, make_inbox, smtp_server, actor, deliver):
    from django.db import transaction

    from omnicanal.channels.tests.conftest import EMAIL
    from omnicanal.conversations import services

    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    session = post(client, chat, "session", {}).json()
    assert session["agents_online"] is False
    deliver(post, client, chat, "messages", {"token": session["token"], "text": "¿Despachan a Arica?", "client_id": "1"})
    left = deliver(post, client, chat, "email", {"token": session["token"], "email": "Pedro@Example.cl"})
    assert left.json() == {"reply_by_email": True}
    with transaction.atomic():
        deliver(services.do_reply, conversation=Conversation.objects.get(), text="Sí, en 5 días hábiles.", actor=actor)
    assert smtp_server.messages[0].rcpt_tos == ["pedro@example.cl"]


def test_cors_preflight_answers_the_shops_origin(client, chat):
    answer = client.options(f"/webchat/{chat.public_id}/messages", HTTP_ORIGIN="https://tienda.andessport.cl")
    assert answer.status_code == 204 and answer["Access-Control-Allow-Origin"] == "https://tienda.andessport.cl"


def test_the_demo_page_embeds_the_widget_with_one_script_tag(client, chat):
    page = client.get("/shop/chat-demo/")
    assert page.status_code == 200 and f'data-inbox="{chat.public_id}"'.encode() in page.content

import json

from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import EMAIL, WA
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations import services
from omnicanal.conversations.models import Conversation, Message
from omnicanal.customers import services as customer_services


def test_whatsapp_then_email_then_web_chat_is_one_conversation_and_the_reply_goes_to_web_chat(
    client, make_inbox, whatsapp_server, smtp_server, actor, deliver, monkeypatch
):
    # given Camila, known to the shop by her phone and email
    camila = customer_services.do_identify(channel="web", identities=[
        {"kind": "phone", "value": "+56987654321", "verified": True},
        {"kind": "email", "value": "camila.fuentes@example.cl", "verified": True},
    ], traits={"name": "Camila Fuentes"}).customer_id
    make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    chat = make_inbox("webchat", identity_secret="shop-secret")
    # when she writes on WhatsApp
    body = testing.fixture("whatsapp/text.json")
    deliver(client.post, "/webhooks/whatsapp", body, content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
    # then by email
    mail = testing.fixture("email/inbound.json")
    deliver(client.post, "/webhooks/email", mail, content_type="application/json",
            HTTP_X_OMNICANAL_SIGNATURE=testing.omnicanal_signature(mail, EMAIL["webhook_secret"]))
    # then in the web chat, signed in to the shop
    session = client.post(f"/webchat/{chat.public_id}/session", json.dumps({
        "email": "camila.fuentes@example.cl", "user_hash": webchat.shopper_hash("shop-secret", "camila.fuentes@example.cl"),
    }), content_type="application/json").json()
    answer = deliver(client.post, f"/webchat/{chat.public_id}/messages", json.dumps({
        "token": session["token"], "text": "Sigo por acá: ¿llegan a Puerto Varas?", "client_id": "c1"}),
        content_type="application/json")
    assert answer.status_code == 202
    # then the agent sees one thread, each message with its channel
    conversation = Conversation.objects.get()
    assert conversation.customer_id == camila
    assert list(conversation.messages.values_list("channel", flat=True)) == ["whatsapp", "email", "webchat"]
    # and the reply goes out on the channel she last wrote from: the web chat
    pushed = []
    monkeypatch.setattr(webchat, "async_to_sync", lambda send: lambda group, event: pushed.append((group, event)))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=conversation, text="¡Sí! En 3 a 5 días.", actor=actor)
    reply.refresh_from_db()
    assert reply.channel == "webchat" and reply.status == "sent"
    assert pushed and pushed[0][0] == webchat.group_name(session["device_id"])
    assert pushed[0][1]["message"]["text"] == "¡Sí! En 3 a 5 días."
    assert not whatsapp_server.posts("/messages") and not smtp_server.messages
    # and the widget's polling shows it too
    state = client.get(f"/webchat/{chat.public_id}/messages", {"token": session["token"]}).json()
    assert [m["text"] for m in state["messages"]][-1] == "¡Sí! En 3 a 5 días."


def test_the_agent_may_answer_on_another_consented_channel(client, make_inbox, whatsapp_server, smtp_server, actor, deliver):
    customer_services.do_identify(channel="web", identities=[
        {"kind": "phone", "value": "+56987654321", "verified": True},
        {"kind": "email", "value": "camila.fuentes@example.cl", "verified": True},
    ])
    make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    body = testing.fixture("whatsapp/text.json")
    deliver(client.post, "/webhooks/whatsapp", body, content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
    conversation = Conversation.objects.get()
    options = {o["channel"] for o in services.reply_options(conversation)}
    assert {"whatsapp", "email", "sms"} <= options
    with transaction.atomic():
        deliver(services.do_reply, conversation=conversation, text="Te envío la boleta por correo.", channel="email", actor=actor)
    assert smtp_server.messages[0].rcpt_tos == ["camila.fuentes@example.cl"]
    assert Message.objects.filter(direction="out", channel="email").count() == 1

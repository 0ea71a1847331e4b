import datetime as dt
import json

import pytest
from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.base import WebhookRequest
from omnicanal.channels.tests.conftest import WA
from omnicanal.channels.whatsapp import adapter
from omnicanal.conversations import services
from omnicanal.conversations.models import Attachment, Conversation, Message
from omnicanal.core import clock
from omnicanal.core.models import OutboxEvent


def post(client, body: bytes, signature: str | None = "sign", secret: str = WA["app_secret"]):
    headers = {}
    if signature == "sign":
        signature = testing.hub_signature(body, secret)
    if signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post("/webhooks/whatsapp", body, content_type="application/json", **headers)


@pytest.fixture
def inbox(make_inbox, whatsapp_server):
    return make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)


def test_the_verification_handshake_echoes_the_challenge(client, inbox):
    answer = client.get("/webhooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "wa-verify", "hub.challenge": "1158201444"})
    assert answer.status_code == 200
    assert answer.content == b"1158201444"


def test_a_wrong_or_missing_verify_token_is_refused(client, inbox):
    wrong = client.get("/webhooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    missing = client.get("/webhooks/whatsapp", {"hub.mode": "subscribe", "hub.challenge": "1"})
    assert (wrong.status_code, missing.status_code) == (403, 401)


def _flip(body: bytes) -> bytes:
    index = body.index(b"zapatillas")
    return body[:index] + bytes([body[index] ^ 1]) + body[index + 1:]


@pytest.mark.parametrize(
    "forgery, expected",
    [
        ("flipped byte", 403),
        ("missing signature", 401),
        ("wrong secret", 403),
        ("garbage signature", 403),
    ],
)
def test_a_forged_delivery_changes_nothing(client, inbox, forgery, expected):
    # given a genuine delivery, tampered with in transit
    body = testing.fixture("whatsapp/text.json")
    if forgery == "flipped byte":
        answer = client.post("/webhooks/whatsapp", _flip(body), content_type="application/json",
                             HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
    elif forgery == "missing signature":
        answer = post(client, body, signature=None)
    elif forgery == "wrong secret":
        answer = post(client, body, secret="not-the-app-secret")
    else:
        answer = post(client, body, signature="sha256=" + "0" * 64)
    # then it is refused and nothing is stored
    assert answer.status_code == expected
    assert Message.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert not OutboxEvent.objects.exists()


def test_a_replayed_delivery_is_stored_once(client, inbox):
    body = testing.fixture("whatsapp/text.json")
    first, second = post(client, body), post(client, body)
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicates"] == 1
    assert Message.objects.count() == 1


def _parse(name: str, inbox):
    body = testing.fixture(f"whatsapp/{name}.json")
    return adapter.parse(WebhookRequest("POST", "http://x/webhooks/whatsapp", {}, body), inbox)


def test_text_media_location_and_interactive_replies_are_normalized(inbox):
    text = _parse("text", inbox).messages[0]
    assert (text.channel, text.address, text.name) == ("whatsapp", "56987654321", "Camila Fuentes")
    assert text.identities[0].kind == "whatsapp" and text.text.startswith("Hola")
    image = _parse("image", inbox).messages[0]
    assert image.kind == "media" and image.text == "Así llegó la caja"
    assert image.attachments[0].remote_ref == "1003383421387256" and image.attachments[0].content_type == "image/jpeg"
    location = _parse("location", inbox).messages[0]
    assert location.kind == "location" and location.meta["location"]["latitude"] == -33.4263
    button = _parse("interactive_button_reply", inbox).messages[0]
    assert (button.kind, button.text, button.meta["reply_id"]) == ("interactive", "Sí, retiro en tienda", "pickup-yes")
    choice = _parse("interactive_list_reply", inbox).messages[0]
    assert (choice.text, choice.meta["reply_id"]) == ("Valparaíso", "store-VAP-PLAZA")
    failed = _parse("status_failed", inbox).statuses[0]
    assert (failed.status, failed.error) == ("failed", "Re-engagement message")


def _status_body(status: str, wamid: str) -> bytes:
    return testing.fixture(f"whatsapp/status_{status}.json").replace(b"WAMID_PLACEHOLDER", wamid.encode())


def test_round_trip_inbound_reply_and_delivery_statuses(client, inbox, whatsapp_server, actor, deliver):
    # given Camila writes on WhatsApp
    assert deliver(post, client, testing.fixture("whatsapp/text.json")).status_code == 200
    conversation = Conversation.objects.get()
    # when an agent replies
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=conversation, text="¡Hola Camila! Sí, quedan 3 pares.", actor=actor)
    # then the provider received the documented request
    sent = whatsapp_server.posts("/messages")
    assert len(sent) == 1
    assert sent[0].path == f"/v21.0/{WA['phone_number_id']}/messages"
    assert sent[0].headers["authorization"] == "Bearer wa-token"
    assert sent[0].json() == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "56987654321",
                              "type": "text", "text": {"preview_url": False, "body": "¡Hola Camila! Sí, quedan 3 pares."}}
    reply.refresh_from_db()
    assert reply.status == "sent" and reply.external_id.startswith("wamid.OUT")
    # and the status webhooks move it forward, never back
    for status in ("delivered", "read", "sent"):
        assert post(client, _status_body(status, reply.external_id)).status_code == 200
    reply.refresh_from_db()
    assert reply.status == "read" and reply.delivered_at and reply.read_at


def test_outside_the_24_hour_window_only_a_template_goes(client, inbox, whatsapp_server, actor, deliver):
    deliver(post, client, testing.fixture("whatsapp/text.json"))
    conversation = Conversation.objects.get()
    later = clock.now() + dt.timedelta(hours=25)
    with clock.frozen(later):
        with pytest.raises(services.ReplyWindowClosed):
            services.do_reply(conversation=conversation, text="¿Sigues ahí?", actor=actor)
        with transaction.atomic():
            deliver(services.do_reply, conversation=conversation, text="", actor=actor,
                    template={"name": "seguimiento_pedido", "language": "es", "parameters": ["Camila"]})
    body = whatsapp_server.posts("/messages")[0].json()
    assert body["type"] == "template"
    assert body["template"] == {"name": "seguimiento_pedido", "language": {"code": "es"},
                                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Camila"}]}]}


def test_media_is_fetched_after_commit_and_kept_locally(client, inbox, deliver):
    deliver(post, client, testing.fixture("whatsapp/image.json"))
    attachment = Attachment.objects.get()
    assert attachment.file and attachment.size > 0
    with attachment.file.open("rb") as handle:
        assert handle.read().startswith(b"\xff\xd8")


def test_a_provider_refusal_marks_the_reply_failed(client, make_inbox, whatsapp_server, actor, deliver):
    make_inbox("whatsapp", base_url=whatsapp_server.url, **{**WA, "access_token": "revoked"})
    deliver(post, client, testing.fixture("whatsapp/text.json"))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Hola", actor=actor)
    reply.refresh_from_db()
    assert reply.status == "failed" and "401" in reply.error
    assert json.loads(json.dumps(reply.meta)) == reply.meta

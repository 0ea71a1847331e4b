import pytest
from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.services import do_click_to_call
from omnicanal.channels.tests.conftest import IG, META, VOICE
from omnicanal.conversations import services
from omnicanal.conversations.models import Conversation, Message
from omnicanal.core.models import OutboxEvent


@pytest.fixture
def voice_inbox(make_inbox, voice_server):
    return make_inbox("voice", base_url=voice_server.url, **VOICE)


def post_voice(client, inbox, body: bytes, secret: str | None = VOICE["webhook_secret"]):
    headers = {"HTTP_X_OMNICANAL_SIGNATURE": testing.omnicanal_signature(body, secret)} if secret else {}
    return client.post(f"/webhooks/voice/{inbox.public_id}", body, content_type="application/json", **headers)


def test_call_events_are_logged_into_the_conversation_once(client, voice_inbox):
    for name in ("call_started", "call_ended", "call_recording", "call_notes", "call_ended"):
        assert post_voice(client, voice_inbox, testing.fixture(f"voice/{name}.json")).status_code == 200
    events = list(Message.objects.order_by("pk").values_list("meta__event", flat=True))
    assert events == ["started", "ended", "recording", "notes"]
    notes = Message.objects.get(meta__event="notes")
    assert notes.author == "system" and notes.text.startswith("Quiere cambiar")
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize("secret, expected", [(None, 401), ("guess", 403)])
def test_forged_call_events_change_nothing(client, voice_inbox, secret, expected):
    assert post_voice(client, voice_inbox, testing.fixture("voice/call_started.json"), secret=secret).status_code == expected
    assert not Message.objects.exists() and not OutboxEvent.objects.exists()


def test_click_to_call_asks_the_provider_to_ring(client, voice_inbox, voice_server, actor):
    post_voice(client, voice_inbox, testing.fixture("voice/call_started.json"))
    conversation = Conversation.objects.get()
    call_id = do_click_to_call(conversation_id=conversation.public_id, agent_phone="+56911112222", actor=actor)
    request = voice_server.posts("/calls")[0]
    assert call_id.startswith("CA")
    assert request.json() == {"from": "+56911112222", "to": "+56987654321", "reference": conversation.public_id}
    assert request.headers["authorization"] == "Bearer voice-key"


@pytest.fixture
def messenger(make_inbox, meta_server):
    return make_inbox("facebook", base_url=meta_server.url, **META)


@pytest.fixture
def instagram(make_inbox, meta_server):
    return make_inbox("instagram", base_url=meta_server.url, **IG)


def post_meta(client, path, body: bytes, secret: str | None = META["app_secret"]):
    headers = {"HTTP_X_HUB_SIGNATURE_256": testing.hub_signature(body, secret)} if secret else {}
    return client.post(path, body, content_type="application/json", **headers)


def test_messenger_and_instagram_verify_and_receive(client, messenger, instagram):
    handshake = client.get("/webhooks/messenger", {"hub.mode": "subscribe", "hub.verify_token": "meta-verify", "hub.challenge": "42"})
    assert handshake.content == b"42"
    assert post_meta(client, "/webhooks/messenger", testing.fixture("messenger/text.json")).status_code == 200
    assert post_meta(client, "/webhooks/instagram", testing.fixture("instagram/text.json")).status_code == 200
    assert post_meta(client, "/webhooks/messenger", testing.fixture("messenger/echo.json")).json()["received"] == 0
    channels = sorted(Message.objects.values_list("channel", flat=True))
    assert channels == ["facebook", "instagram"]


@pytest.mark.parametrize("secret, expected", [(None, 401), ("guess", 403)])
def test_forged_meta_deliveries_change_nothing(client, messenger, secret, expected):
    assert post_meta(client, "/webhooks/messenger", testing.fixture("messenger/text.json"), secret=secret).status_code == expected
    assert not Message.objects.exists()


def test_messenger_round_trip_and_delivery_report(client, messenger, meta_server, actor, deliver):
    deliver(post_meta, client, "/webhooks/messenger", testing.fixture("messenger/text.json"))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Sí, en negro y azul.", actor=actor)
    request = meta_server.posts("/messages")[0]
    assert request.path == f"/v21.0/{META['account_id']}/messages" and request.query == {"access_token": "meta-page-token"}
    assert request.json() == {"recipient": {"id": "6943110258930115"}, "messaging_type": "RESPONSE",
                              "message": {"text": "Sí, en negro y azul."}}
    reply.refresh_from_db()
    delivery = testing.fixture("messenger/delivery.json").replace(b"MID_PLACEHOLDER", reply.external_id.encode())
    post_meta(client, "/webhooks/messenger", delivery)
    reply.refresh_from_db()
    assert reply.status == "delivered"


def test_a_replayed_meta_delivery_is_stored_once(client, messenger):
    body = testing.fixture("messenger/text.json")
    post_meta(client, "/webhooks/messenger", body)
    assert post_meta(client, "/webhooks/messenger", body).json()["duplicates"] == 1
    assert Message.objects.count() == 1


def test_instagram_round_trip_and_read_report(client, instagram, meta_server, actor, deliver):
    deliver(post_meta, client, "/webhooks/instagram", testing.fixture("instagram/text.json"))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="¡Sí! También en verde.", actor=actor)
    request = meta_server.posts("/messages")[0]
    assert request.path == f"/v21.0/{IG['account_id']}/messages"
    assert request.json()["recipient"] == {"id": "1245876539901234"}
    reply.refresh_from_db()
    read = testing.fixture("instagram/read.json").replace(b"MID_PLACEHOLDER", reply.external_id.encode())
    post_meta(client, "/webhooks/instagram", read)
    reply.refresh_from_db()
    assert reply.status == "read"

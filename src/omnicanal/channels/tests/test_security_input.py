"""Bad input on the channel webhooks: never a 500, never a message stored twice.

Every JSON webhook is signed correctly here, so the body reaches the parser: the probe's
100,000-deep JSON, a message id over 255 characters delivered twice, a WhatsApp message without
an id delivered twice, the wrong media type and a body over the limit.
"""

import copy
import json

import pytest

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import EMAIL, IG, META, TG, VOICE, WA
from omnicanal.conversations.models import Message

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


@pytest.fixture
def inboxes(make_inbox):
    return {
        "whatsapp": make_inbox("whatsapp", base_url="http://127.0.0.1:9", **WA),
        "telegram": make_inbox("telegram", base_url="http://127.0.0.1:9", **TG),
        "email": make_inbox("email", **EMAIL),
        "voice": make_inbox("voice", base_url="http://127.0.0.1:9", **VOICE),
        "facebook": make_inbox("facebook", base_url="http://127.0.0.1:9", **META),
        "instagram": make_inbox("instagram", base_url="http://127.0.0.1:9", **IG),
        "webchat": make_inbox("webchat", identity_secret="shop-secret"),
    }


def signed(channel: str, inboxes, body: bytes, content_type: str = "application/json"):
    """(path, body, content_type, headers) of a correctly signed delivery on `channel`."""
    inbox = inboxes[channel]
    if channel == "whatsapp":
        return "/webhooks/whatsapp", {"HTTP_X_HUB_SIGNATURE_256": testing.hub_signature(body, WA["app_secret"])}
    if channel in ("facebook", "instagram"):
        path = "/webhooks/messenger" if channel == "facebook" else "/webhooks/instagram"
        return path, {"HTTP_X_HUB_SIGNATURE_256": testing.hub_signature(body, META["app_secret"])}
    if channel == "telegram":
        return f"/webhooks/telegram/{inbox.public_id}", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": TG["secret_token"]}
    secret = EMAIL["webhook_secret"] if channel == "email" else VOICE["webhook_secret"]
    return f"/webhooks/{channel}/{inbox.public_id}", {"HTTP_X_OMNICANAL_SIGNATURE": testing.omnicanal_signature(body, secret)}


def deliver(client, channel, inboxes, body: bytes, content_type="application/json"):
    path, headers = signed(channel, inboxes, body)
    return client.post(path, body, content_type=content_type, **headers)


def whatsapp_text(message_id: str | None, text="Hola, ¿tienen talla 38?") -> bytes:
    body = json.loads(testing.fixture("whatsapp/text.json"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = text
    if message_id is None:
        del message["id"]
    else:
        message["id"] = message_id
    return json.dumps(body).encode()


@pytest.mark.parametrize("channel", ["whatsapp", "telegram", "email", "voice", "facebook", "instagram"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_on_every_webhook(client, inboxes, channel):
    # given a correctly signed delivery whose JSON nests 100,000 deep
    response = deliver(client, channel, inboxes, DEEP)
    # then it is refused as unreadable (a provider does not retry a 4xx), and nothing is stored
    assert response.status_code == 400, response.content
    assert not Message.objects.exists()


@pytest.mark.parametrize("path", ["session", "messages", "email"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_on_the_web_chat(client, inboxes, path):
    response = client.post(f"/webchat/{inboxes['webchat'].public_id}/{path}", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("channel", ["whatsapp", "telegram", "voice", "facebook", "instagram"])
def test_a_json_webhook_refuses_another_media_type(client, inboxes, channel):
    body = whatsapp_text("wamid.plain") if channel == "whatsapp" else testing.fixture("telegram/text.json")
    response = deliver(client, channel, inboxes, body, content_type="text/plain")
    assert response.status_code == 415, response.content
    assert response.json()["error"] == "unsupported-media-type"
    assert not Message.objects.exists()


def test_a_webhook_body_over_the_limit_is_a_413(client, inboxes, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    body = whatsapp_text("wamid.big", text="x" * 2000)
    response = deliver(client, "whatsapp", inboxes, body)
    assert response.status_code == 413
    assert response.json()["error"] == "payload-too-large"
    assert not Message.objects.exists()


def test_a_message_id_over_255_characters_delivered_twice_is_stored_once(client, inboxes):
    # given a WhatsApp message whose id has 400 characters
    body = whatsapp_text("wamid." + "A" * 394)
    # when the provider delivers it twice
    first = deliver(client, "whatsapp", inboxes, body)
    second = deliver(client, "whatsapp", inboxes, body)
    # then the second is recognised as the replay (once a 500: the id was stored truncated)
    assert first.status_code == 200 and first.json()["received"] == 1
    assert second.status_code == 200 and second.json() == {"received": 0, "duplicates": 1, "statuses": 0}
    assert Message.objects.count() == 1
    assert len(Message.objects.get().external_id) <= 255


def test_two_different_long_ids_sharing_their_first_255_characters_are_two_messages(client, inboxes):
    prefix = "wamid." + "B" * 300
    deliver(client, "whatsapp", inboxes, whatsapp_text(prefix + "1", text="uno"))
    deliver(client, "whatsapp", inboxes, whatsapp_text(prefix + "2", text="dos"))
    assert sorted(Message.objects.values_list("text", flat=True)) == ["dos", "uno"]


def test_a_whatsapp_message_without_an_id_delivered_twice_is_stored_once(client, inboxes):
    # given a message without an id (the content and timestamp identify it)
    body = whatsapp_text(None)
    # when it is delivered twice
    first = deliver(client, "whatsapp", inboxes, body)
    second = deliver(client, "whatsapp", inboxes, body)
    # then it is stored once
    assert first.json()["received"] == 1 and second.json()["duplicates"] == 1
    assert Message.objects.count() == 1
    # and another message without an id (other text) is a message of its own
    deliver(client, "whatsapp", inboxes, whatsapp_text(None, text="¿Y en talla 39?"))
    assert Message.objects.count() == 2


def test_a_long_provider_id_of_a_sent_message_still_receives_its_status(client, inboxes):
    from omnicanal.conversations.services.receive import do_record_delivery

    # given a message we sent whose provider id is long
    deliver(client, "whatsapp", inboxes, whatsapp_text("wamid.in"))
    inbound = Message.objects.get()
    long_id = "wamid.out" + "C" * 300
    out = copy.copy(inbound)
    out.pk, out.public_id, out.direction, out.external_id, out.status = None, "", "out", "", "queued"
    out.save()
    do_record_delivery(message_id=out.public_id, status="sent", external_id=long_id)
    # when the provider reports it delivered, by that long id
    status = json.loads(testing.fixture("whatsapp/status_delivered.json"))
    status["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = long_id
    deliver(client, "whatsapp", inboxes, json.dumps(status).encode())
    # then the report finds it
    out.refresh_from_db()
    assert out.status == "delivered"

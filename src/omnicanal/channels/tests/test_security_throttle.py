"""Rate limits on the public edges: web chat sessions per address, messages per token, webhooks per
address and inbox. Past the limit: 429 JSON (problem+json) with Retry-After, nothing stored."""

import json

import pytest
from django.apps import apps

from omnicanal.channels.tests.conftest import TG
from omnicanal.conversations.models import Message

pytestmark = pytest.mark.django_db


def customers() -> int:
    return apps.get_model("customers", "Customer").objects.count()


@pytest.fixture
def chat(make_inbox):
    return make_inbox("webchat", identity_secret="shop-secret")


def post(client, chat, path, body, address="10.0.0.1", **headers):
    return client.post(f"/webchat/{chat.public_id}/{path}", json.dumps(body), content_type="application/json",
                       REMOTE_ADDR=address, **headers)


def test_web_chat_sessions_are_limited_per_address(client, chat, settings):
    # given the default limit of sessions per address
    allowed = settings.THROTTLES["webchat_session"]["max"]
    for _ in range(allowed):
        assert post(client, chat, "session", {}).status_code == 200
    before = customers()
    # when one more session is asked from that address, from another origin's page
    refused = post(client, chat, "session", {}, HTTP_ORIGIN="https://shop.example")
    # then 429 JSON with Retry-After the widget can read (CORS), and no customer appears
    assert refused.status_code == 429
    assert refused.json()["type"] == "/problems/too-many-requests"
    assert int(refused["Retry-After"]) > 0
    assert refused["Access-Control-Allow-Origin"] == "https://shop.example"
    assert customers() == before
    # and another address still gets a session
    assert post(client, chat, "session", {}, address="10.0.0.2").status_code == 200


def test_web_chat_messages_are_limited_per_token(client, chat, settings):
    settings.THROTTLES = {**settings.THROTTLES, "webchat_message": {"max": 3, "per": 60, "lockout": 60}}
    token = post(client, chat, "session", {}).json()["token"]
    for i in range(3):
        assert post(client, chat, "messages", {"token": token, "text": f"Hola {i}", "client_id": str(i)}).status_code == 202
    refused = post(client, chat, "messages", {"token": token, "text": "otra", "client_id": "9"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert not Message.objects.filter(text="otra").exists()
    # another visitor is not affected
    other = post(client, chat, "session", {}).json()["token"]
    assert post(client, chat, "messages", {"token": other, "text": "Hola", "client_id": "1"}).status_code == 202


def test_only_refused_webhooks_count_toward_the_limit_per_address_and_inbox(client, make_inbox, settings):
    # given two telegram inboxes and a small limit
    settings.THROTTLES = {**settings.THROTTLES, "webhook": {"max": 3, "per": 60, "lockout": 60}}
    inbox = make_inbox("telegram", **TG)
    other_inbox = make_inbox("telegram", **TG)
    signed = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": TG["secret_token"]}
    forged = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "guessed"}

    def update(i, headers, address="10.0.0.5", to=inbox):
        body = {"update_id": 1000 + i, "message": {"message_id": i, "date": 1714800000, "text": f"hola {i}",
                                                   "chat": {"id": 55, "type": "private"},
                                                   "from": {"id": 55, "first_name": "Ana"}}}
        return client.post(f"/webhooks/telegram/{to.public_id}", json.dumps(body), content_type="application/json",
                           REMOTE_ADDR=address, **headers)

    # when the provider delivers twice the limit within the minute, correctly signed, from one address
    # then every one is stored: a provider's bursts are never throttled
    assert [update(i, signed).status_code for i in range(6)] == [200] * 6
    assert Message.objects.count() == 6
    # when forged deliveries come from that address: refused, and the one reaching the limit locks it
    assert [update(10 + i, forged).status_code for i in range(3)] == [403] * 3
    refused = update(13, forged)
    # then the next forged one is 429 problem+json with Retry-After, and nothing forged was stored
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    assert Message.objects.count() == 6
    # and the provider's signed deliveries from that same address still go through, past the limit again
    assert [update(20 + i, signed).status_code for i in range(4)] == [200] * 4
    assert Message.objects.count() == 10
    # and the lockout is that address's on that inbox's path only
    assert update(30, forged, address="10.0.0.6").status_code == 403
    assert update(31, forged, to=other_inbox).status_code == 403


def test_forged_webhooks_are_limited_too(client, make_inbox, settings):
    settings.THROTTLES = {**settings.THROTTLES, "webhook": {"max": 2, "per": 60, "lockout": 60}}
    inbox = make_inbox("telegram", **TG)
    codes = [client.post(f"/webhooks/telegram/{inbox.public_id}", "{}", content_type="application/json",
                         HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="wrong").status_code for _ in range(3)]
    assert codes == [403, 403, 429]


def test_web_chat_messages_over_the_socket_share_the_limit(chat, settings):
    from omnicanal.channels import consumers
    from omnicanal.channels.webchat import adapter as webchat
    from omnicanal.core.errors import TooManyRequests

    settings.THROTTLES = {**settings.THROTTLES, "webchat_message": {"max": 2, "per": 60, "lockout": 60}}
    visitor = webchat.Visitor(chat.public_id, webchat.new_device_id())
    consumers._receive(chat, visitor, "uno", "c1")
    consumers._receive(chat, visitor, "dos", "c2")
    with pytest.raises(TooManyRequests):
        consumers._receive(chat, visitor, "tres", "c3")
    assert not Message.objects.filter(text="tres").exists()

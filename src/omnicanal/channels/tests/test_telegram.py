import json

import pytest
from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import TG
from omnicanal.conversations import services
from omnicanal.conversations.models import Attachment, Conversation, Message
from omnicanal.core.models import OutboxEvent


@pytest.fixture
def inbox(make_inbox, telegram_server):
    return make_inbox("telegram", base_url=telegram_server.url, **TG)


def post(client, inbox, body: bytes, token: str | None = TG["secret_token"]):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": token} if token is not None else {}
    return client.post(f"/webhooks/telegram/{inbox.public_id}", body, content_type="application/json", **headers)


@pytest.mark.parametrize("token, expected", [(None, 401), ("tg-secret-124", 403), ("", 401)])
def test_a_missing_or_wrong_secret_token_changes_nothing(client, inbox, token, expected):
    answer = post(client, inbox, testing.fixture("telegram/text.json"), token=token)
    assert answer.status_code == expected
    assert not Message.objects.exists() and not OutboxEvent.objects.exists()


def test_another_inboxs_secret_does_not_open_this_one(client, inbox, make_inbox):
    other = make_inbox("telegram", bot_token="1:other", secret_token="other-secret")
    answer = post(client, inbox, testing.fixture("telegram/text.json"), token=other.config["secret_token"])
    assert answer.status_code == 403 and not Message.objects.exists()


def test_a_replayed_update_id_is_stored_once(client, inbox):
    body = testing.fixture("telegram/text.json")
    post(client, inbox, body)
    again = post(client, inbox, body)
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    message = Message.objects.get()
    assert message.external_id == "7012345678:734512398"
    assert (message.address, message.author_name) == ("5120934871", "Tomás Reyes")


def test_a_shared_contact_adds_the_senders_phone(client, inbox):
    from omnicanal.customers import queries as customers

    post(client, inbox, testing.fixture("telegram/text.json"))
    post(client, inbox, testing.fixture("telegram/contact.json"))
    assert Conversation.objects.count() == 1
    customer = customers.find_by_identity("phone", "+56998765432")
    assert customer is not None and customer.public_id == Conversation.objects.get().customer_id


def test_round_trip_inbound_reply_through_send_message(client, inbox, telegram_server, actor, deliver):
    deliver(post, client, inbox, testing.fixture("telegram/photo.json"))
    assert Attachment.objects.get().size > 0  # the photo was fetched (getFile, then the file) after commit
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Lo sentimos, Tomás.", actor=actor)
    sent = telegram_server.posts("/sendMessage")
    assert len(sent) == 1 and sent[0].path == f"/bot{TG['bot_token']}/sendMessage"
    assert json.loads(sent[0].body) == {"chat_id": "5120934871", "text": "Lo sentimos, Tomás."}
    reply.refresh_from_db()
    assert reply.status == "sent" and reply.external_id.startswith("7012345678:out:5120934871:")

"""A sandboxed inbox (the demo's) records outbound messages as sent and calls no provider."""

from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import SMS
from omnicanal.channels.tests.test_sms import post
from omnicanal.conversations import services
from omnicanal.conversations.models import Conversation


def test_a_sandboxed_inbox_records_the_reply_and_sends_nothing(client, make_inbox, twilio_server, actor, deliver):
    # given an SMS inbox in sandbox mode, whose provider is a loopback Twilio that records requests
    inbox = make_inbox("sms", base_url=twilio_server.url, sandbox=True, **SMS)
    deliver(post, client, inbox, testing.fixture("sms/inbound.txt"))
    # when the agent replies
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Sale mañana.", actor=actor)
    # then the message is recorded as sent, and the provider never heard of it
    reply.refresh_from_db()
    assert reply.status == "sent" and reply.external_id.startswith("sandbox-")
    assert twilio_server.posts("/Messages.json") == []


def test_the_demo_inboxes_are_sandboxed(db):
    import io

    from omnicanal.channels.demo import load
    from omnicanal.channels.models import Inbox

    load(seed=1, rng=None, out=io.StringIO())
    assert Inbox.objects.count() >= 8
    assert all(inbox.config.get("sandbox") for inbox in Inbox.objects.exclude(channel="webchat"))

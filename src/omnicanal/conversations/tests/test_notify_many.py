"""do_notify_many: a batch of notifications asks each one what do_notify asks (the thread, the
address, the transactional consent, the reply window), answers a refusal per notice with nothing
written for it, and writes the rest as do_notify would (the thread's counters, a MessageSent each)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations.models import Conversation, Message
from omnicanal.conversations.services import Notice, ReplyWindowClosed, do_notify, do_notify_many
from omnicanal.core import clock
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.models import OutboxEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)


def person(email="", phone="", name="Cliente"):
    from omnicanal.customers import services as customers

    identities = [{"kind": k, "value": v} for k, v in (("email", email), ("phone", phone)) if v]
    with transaction.atomic():
        return customers.do_identify(channel="web", identities=identities, traits={"name": name}).customer_id


def notify_many(*notices, topic="marketing.campaign"):
    with clock.frozen(NOW), transaction.atomic():
        return do_notify_many(notices=list(notices), topic=topic)


def test_each_customer_gets_the_message_do_notify_would_write(receive):
    # given Ana, never in a conversation, and Bea, who wrote on WhatsApp a moment ago (an open thread)
    ana = person(email="ana@example.cl")
    with clock.frozen(NOW - dt.timedelta(minutes=5)):
        bea = receive("Hola", channel="whatsapp", value="+56998761234")
    bea_thread = Conversation.objects.get(pk=bea.conversation.pk)
    # when one batch notifies both, Ana by email with a subject and HTML, Bea on WhatsApp
    answers = notify_many(Notice(customer_id=ana, channel="email", text="Oferta", subject="Otoño", html="<p>Oferta</p>"),
                          Notice(customer_id=bea.customer_id, channel="whatsapp", text="Oferta"))
    # then Ana's message sits in a new thread born resolved, queued to her email
    to_ana, to_bea = answers
    assert isinstance(to_ana, Message) and isinstance(to_bea, Message)
    ana_thread = Conversation.objects.get(customer_id=ana)
    assert (ana_thread.status, ana_thread.resolved_by, ana_thread.message_count) == ("resolved", "notification", 1)
    assert ana_thread.last_message_at == NOW
    stored = Message.objects.get(public_id=to_ana.public_id)
    assert (stored.conversation_id, stored.channel, stored.address, stored.status, stored.kind, stored.author) == (
        ana_thread.pk, "email", "ana@example.cl", "queued", "notification", "system")
    assert stored.meta == {"notification": "marketing.campaign", "subject": "Otoño", "html": "<p>Oferta</p>"}
    # and Bea's in her open thread, to the number she wrote from, its counters moved on
    stored = Message.objects.get(public_id=to_bea.public_id)
    assert (stored.conversation_id, stored.address) == (bea_thread.pk, "+56998761234")
    bea_thread.refresh_from_db()
    assert bea_thread.message_count == 2 and bea_thread.last_message_at == NOW and bea_thread.status == "open"
    # and each message has its MessageSent (the channels app delivers it after commit)
    sent = OutboxEvent.objects.filter(topic="conversations.MessageSent").order_by("pk")
    assert [e.payload["message_id"] for e in sent if e.payload["author"] == "system"] == [to_ana.public_id,
                                                                                          to_bea.public_id]


def test_the_same_batch_as_do_notify_one_by_one():
    # given two customers with an email, and earlier notifications in their threads
    ana, bea = person(email="ana@example.cl", name="Ana"), person(email="bea@example.cl", name="Bea")
    with clock.frozen(NOW - dt.timedelta(days=2)), transaction.atomic():
        first = do_notify(customer_id=ana, channel="email", text="Tu pedido está listo", topic="orders.ready")
    # when a batch notifies both
    notify_many(Notice(customer_id=ana, channel="email", text="Oferta"), Notice(customer_id=bea, channel="email",
                                                                                  text="Oferta"))
    # then Ana's lands in the thread of her earlier notification, Bea's in a thread of her own
    assert Message.objects.get(meta__notification="marketing.campaign", conversation__customer_id=ana
                               ).conversation_id == first.conversation_id
    assert Conversation.objects.filter(customer_id=ana).count() == 1
    assert Conversation.objects.get(customer_id=ana).message_count == 2
    assert Conversation.objects.filter(customer_id=bea).count() == 1


def test_a_refusal_is_answered_per_notice_and_nothing_is_written_for_it():
    from omnicanal.customers import services as customers

    # given Ana (email), Bea who withdrew transactional email, Carla with no email, Dora with a phone
    # who never wrote on WhatsApp (its 24-hour window is closed)
    ana, bea = person(email="ana@example.cl"), person(email="bea@example.cl")
    carla, dora = person(phone="+56998761111"), person(phone="+56998762222")
    with transaction.atomic():
        customers.do_set_consent(customer_id=bea, channel="email", purpose="transactional", granted=False,
                                 source="test")
    # when one batch notifies them all
    answers = notify_many(Notice(customer_id=ana, channel="email", text="Oferta"),
                          Notice(customer_id=bea, channel="email", text="Oferta"),
                          Notice(customer_id=carla, channel="email", text="Oferta"),
                          Notice(customer_id=dora, channel="whatsapp", text="Oferta"),
                          Notice(customer_id=dora, channel="sms", text=""))
    # then each refusal is the Problem do_notify raises, and only Ana got a message (and a thread)
    assert isinstance(answers[0], Message)
    assert isinstance(answers[1], Conflict)
    assert isinstance(answers[2], ValidationFailed)
    assert isinstance(answers[3], ReplyWindowClosed)
    assert isinstance(answers[4], ValidationFailed)  # nothing to say
    assert list(Conversation.objects.values_list("customer_id", flat=True)) == [ana]
    assert Message.objects.count() == 1
    # and a template goes where the window is closed (as with do_notify)
    template = {"name": "oferta", "language": "es", "parameters": []}
    again = notify_many(Notice(customer_id=dora, channel="whatsapp", text="Oferta", template=template))
    assert isinstance(again[0], Message) and again[0].meta["template"] == template

"""Issue 16 item 4: the hand-off rules (the human intent, a keyword, negative sentiment, twice not
understood), business hours (out of hours: when a person answers, and email), through the webhook."""

import zoneinfo

import pytest
from django.db import transaction

from omnicanal.bot.models import Unrecognised
from omnicanal.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db


def handed_off() -> bool:
    return Conversation.objects.get().bot == "handed_off"


def note() -> str:
    # The bot's hand-off summary (a negative message also gets feedback's ticket note, by the system).
    return Message.objects.get(private=True, author="bot").text


def test_a_keyword_of_the_list_hands_off(whatsapp, world):
    whatsapp("voy a poner un reclamo en el Sernac")
    assert handed_off() and "keyword" in note()


def test_negative_sentiment_hands_off(whatsapp, world):
    whatsapp("esto es pésimo, estoy furioso")
    assert handed_off() and "negative_sentiment" in note()


def test_twice_not_understood_hands_off_and_both_go_to_the_report(whatsapp, world):
    first = whatsapp("asdf qwerty")
    assert len(first) == 1 and not handed_off()
    whatsapp("zxcv bnm")
    assert handed_off() and "low_confidence" in note()
    assert sorted(Unrecognised.objects.values_list("text", flat=True)) == ["asdf qwerty", "zxcv bnm"]


def test_out_of_hours_it_says_when_a_person_answers_and_offers_email(whatsapp, world, make_inbox, settings):
    from omnicanal.conversations.services import do_save_team
    from omnicanal.core import clock

    make_inbox("email", from_address="ayuda@andessport.cl", from_name="Andes Sport", webhook_secret="s")
    now = clock.now().astimezone(zoneinfo.ZoneInfo("America/Santiago"))
    closed_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now.weekday() + 1) % 7]  # tomorrow only
    with transaction.atomic():
        do_save_team(slug="servicio", name="Servicio", business_hours={closed_day: [["09:00", "18:00"]]},
                     time_zone="America/Santiago", is_default=True)
    answers = whatsapp("quiero hablar con una persona")
    assert "ayuda@andessport.cl" in answers[0] and "09:00" in answers[0]
    assert handed_off()


def test_a_workers_batch_reads_a_conversations_next_message_after_the_hand_off(
        client, wa_inbox, world, django_capture_on_commit_callbacks):
    """The batch reads its messages' turns at once; a conversation's later message is read again, so
    the bot that handed the first one to a person stays silent on the second."""
    from omnicanal.bot.handlers import answer_the_customers
    from omnicanal.bot.tests.conftest import whatsapp_body
    from omnicanal.channels import testing
    from omnicanal.channels.tests.plugin import WA
    from omnicanal.core import outbox
    from omnicanal.core.models import OutboxEvent

    for text in ("quiero hablar con una persona", "hola, sigo esperando"):
        body = whatsapp_body(text)
        with django_capture_on_commit_callbacks(execute=False):  # the worker's part is run below
            assert client.post("/webhooks/whatsapp", body, content_type="application/json",
                               HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"])).status_code == 200
    batch = [outbox.Envelope(id=row.pk, topic=row.topic, payload=row.payload, occurred_at=row.created_at)
             for row in OutboxEvent.objects.filter(topic="conversations.MessageReceived").order_by("pk")]
    assert len(batch) == 2

    with transaction.atomic():
        answer_the_customers(batch)

    assert handed_off() and "human" in note()
    assert Message.objects.filter(direction="out", author="bot", private=False).count() == 1

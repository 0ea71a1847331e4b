"""Answering a subscription's reminder on WhatsApp: "saltar" skips the coming order, "pausar" pauses
the subscription, through the real webhook; the bot's reply claimers take the message (bot.registry),
so the dialogue does not answer it too, whether or not the inbox's bot is on."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.bot.tests.conftest import whatsapp_body
from omnicanal.channels import testing
from omnicanal.channels.tests.plugin import *  # noqa: F403  (loopback servers, deliver: shared, not copied)
from omnicanal.channels.tests.plugin import WA, create_inbox
from omnicanal.core import clock
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, credit, run, subscribe

DAY = dt.timedelta(days=1)
ANA_WA = "56987654321"


@pytest.fixture
def say(client, whatsapp_server, deliver):
    def post(text: str, at: dt.datetime) -> list[str]:
        before = len(whatsapp_server.posts("/messages"))
        body = whatsapp_body(text, ANA_WA)
        with clock.frozen(at):
            answer = deliver(client.post, "/webhooks/whatsapp", body, content_type="application/json",
                             HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
        assert answer.status_code == 200
        sent = [r.json() for r in whatsapp_server.posts("/messages")[before:]]
        return [s["text"]["body"] for s in sent if s.get("to") == ANA_WA and s.get("type") == "text"]

    return post


def inbox(whatsapp_server, *, bot: bool):
    from omnicanal.bot import services as bot_services
    from omnicanal.core.auth import SYSTEM

    with transaction.atomic():
        made = create_inbox("whatsapp", base_url=whatsapp_server.url, **WA)
        if bot:
            bot_services.do_save_settings(inbox_id=made.public_id, enabled=True, actor=SYSTEM)
    return made


def reminded_on_whatsapp(ana, say, deliver, whatsapp_server):
    """Ana wrote earlier that day (the 24-hour window is open), then the reminder went on WhatsApp."""
    credit(ana, 20000)
    sub = subscribe(ana)
    reminder_at = at_noon(FIRST - 2 * DAY)
    say("hola", reminder_at - dt.timedelta(hours=2))
    before = len(whatsapp_server.posts("/messages"))
    assert deliver(run, sub, reminder_at) == ["reserved", "reminded"]
    sent = [r.json()["text"]["body"] for r in whatsapp_server.posts("/messages")[before:]]
    assert len(sent) == 1 and "SALTAR" in sent[0] and "PAUSAR" in sent[0]
    return sub


def test_saltar_on_whatsapp_skips_the_coming_order(ana, whatsapp_server, say, deliver):
    inbox(whatsapp_server, bot=False)
    sub = reminded_on_whatsapp(ana, say, deliver, whatsapp_server)
    answers = say("Saltar", at_noon(FIRST - 2 * DAY) + dt.timedelta(hours=1))
    row = Subscription.objects.get(public_id=sub)
    assert row.next_date == FIRST + 30 * DAY and row.state == "active"
    assert len(answers) == 1 and "saltamos" in answers[0].lower()
    assert run(sub, at_noon(FIRST)) == []  # nothing ordered on the skipped date


def test_pausar_on_whatsapp_pauses_and_the_bot_does_not_answer_too(ana, whatsapp_server, say, deliver):
    inbox(whatsapp_server, bot=True)
    sub = reminded_on_whatsapp(ana, say, deliver, whatsapp_server)
    answers = say("pausar por favor", at_noon(FIRST - 2 * DAY) + dt.timedelta(hours=1))
    row = Subscription.objects.get(public_id=sub)
    assert row.state == "paused" and row.pause_reason == "customer"
    assert len(answers) == 1 and "pausada" in answers[0].lower()


def test_a_word_without_a_reminder_is_left_to_the_bot(ana, whatsapp_server, say):
    # an active subscription not reminded yet: "saltar" is not an answer to anything of ours
    inbox(whatsapp_server, bot=False)
    credit(ana, 20000)
    sub = subscribe(ana)
    assert say("saltar", at_noon(FIRST - 5 * DAY)) == []
    assert Subscription.objects.get(public_id=sub).next_date == FIRST

"""Issue 16, Must show: conversations through the real channel webhooks (WhatsApp and Telegram
formats, provider servers on loopback): the bot answers as author "bot" through the reply path."""

import pytest

from omnicanal.conversations.models import Conversation, Message
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place

pytestmark = pytest.mark.django_db


def shipped_order(api, client, customer_id, lines=(("SHOE-41", 1),)):
    order = place(api, lines=list(lines), customer_id=customer_id,
                  contact={"name": "Ana Pérez", "email": "ana@example.cl", "phone": "+56987654321"}).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "STK778899"})
    return order


def test_the_identified_customer_gets_her_order_status_on_whatsapp(api, client, ana, whatsapp):
    order = shipped_order(api, client, ana)
    answers = whatsapp("Hola, ¿dónde está mi pedido?")
    assert len(answers) == 1
    assert order["number"] in answers[0] and "Starken" in answers[0] and "STK778899" in answers[0]
    assert "/track/" in answers[0]  # the signed tracking link
    bot = Message.objects.get(direction="out", private=False)
    assert bot.author == "bot" and bot.channel == "whatsapp" and bot.status == "sent"
    conversation = Conversation.objects.get()
    assert api.get(f"/conversations/{conversation.public_id}").json()["messages"][-1]["author"] == "bot"

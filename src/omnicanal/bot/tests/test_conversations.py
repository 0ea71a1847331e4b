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
    body = api.get(f"/conversations/{conversation.public_id}").json()
    assert body["messages"][-1]["author"] == "bot" and body["bot"] == "active"
    assert conversation.first_response_at is None  # a bot's answer is not a person's first response


def test_an_unknown_number_is_asked_to_verify_and_never_told_anothers_order(api, client, ana, whatsapp):
    order = shipped_order(api, client, ana)
    stranger = "56945678123"
    asked = whatsapp("¿dónde está mi pedido?", sender=stranger)
    assert len(asked) == 1 and "correo" in asked[0] and "número" in asked[0]  # order number + email or phone
    assert order["number"] not in asked[0] and "STK778899" not in asked[0]
    # the number alone is not enough
    number_only = whatsapp(f"es el {order['number']}", sender=stranger)
    assert "STK778899" not in number_only[0] and "/track/" not in number_only[0]
    # a wrong email neither; the answer does not say whether the order exists
    wrong = whatsapp("mi correo es otra@example.cl", sender=stranger)
    assert "STK778899" not in wrong[0] and "/track/" not in wrong[0] and "Starken" not in wrong[0]
    # the email on the order proves it
    right = whatsapp("perdón, es ana@example.cl", sender=stranger)
    assert "STK778899" in right[0] and "/track/" in right[0]
    everything = " ".join(Message.objects.filter(address=stranger, direction="out").values_list("text", flat=True))
    assert everything.count("STK778899") == 1


def test_an_identified_customer_asking_for_anothers_order_number_must_prove_it(api, client, ana, whatsapp, world):
    from omnicanal.orders.tests.conftest import make_customer

    other = make_customer(phone="+56933334444", name="Berta Soto", email="berta@example.cl")
    theirs = shipped_order(api, client, other)
    answers = whatsapp(f"¿dónde está mi pedido {theirs['number']}?")
    assert "STK778899" not in answers[0] and "/track/" not in answers[0]


def test_stock_in_a_named_store_says_pickup_today_with_the_cart_link(whatsapp, world):
    first = whatsapp("¿tienen las Pegasus?")
    assert len(first) == 1 and ("talla" in first[0].lower() or "size" in first[0].lower())
    second = whatsapp("talla 42 en Providencia")
    assert "Tienda Providencia" in second[0] and "retiro hoy" in second[0].lower() or "pickup today" in second[0]
    assert "/cart/link/" in second[0]


def test_stock_asked_in_one_sentence_on_telegram(telegram, world):
    answers = telegram("¿tienen las Pegasus talla 41 en Providencia?")
    assert len(answers) == 1 and "Tienda Providencia" in answers[0]
    assert "no" in answers[0].lower() and "/cart/link/" in answers[0]  # none there: order it in the shop


def delivered_order(api, client, customer_id, lines=(("SHOE-41", 1),)):
    order = shipped_order(api, client, customer_id, lines)
    act(api, order["fulfillments"][0]["id"], "deliver")
    return order


def test_a_return_started_from_whatsapp_gets_the_label_link(api, client, ana, whatsapp):
    order = delivered_order(api, client, ana)
    asked = whatsapp("quiero devolver las zapatillas")
    assert order["number"] in asked[0] and "correo" in asked[0]  # in a store or by mail?
    started = whatsapp("por correo")
    assert "/returns/label/" in started[0]
    returns = api.get(f"/orders/{order['id']}").json()["returns"]
    assert len(returns) == 1 and returns[0]["by_mail"] and returns[0]["lines"][0]["sku"] == "SHOE-41"
    assert returns[0]["id"] in started[0]


def test_a_handoff_leaves_the_summary_for_the_agent_in_the_inbox(api, client, ana, whatsapp, world):
    whatsapp("¿tienen las Pegasus?")
    answers = whatsapp("quiero hablar con una persona")
    assert len(answers) == 1 and "persona" in answers[0]
    conversation = Conversation.objects.get()
    body = api.get(f"/conversations/{conversation.public_id}").json()
    assert (body["status"], body["bot"]) == ("open", "handed_off")
    note = Message.objects.get(private=True)
    assert note.author == "bot" and "human" in note.text and "store_stock" in note.text and "product=" in note.text
    assert "quiero hablar con una persona" in note.text  # the customer's last words
    # the agent sees it in the inbox's thread
    from omnicanal.orders.tests.helpers import console_login

    console_login(client, "agent")
    page = client.get(f"/console/conversations/{conversation.public_id}/")
    assert page.status_code == 200 and "store_stock" in page.content.decode()


def test_the_bot_is_silent_while_an_agent_answers_and_back_after_resolution(api, client, ana, whatsapp, deliver):
    from django.db import transaction

    from omnicanal.conversations import services

    assert len(whatsapp("hola")) == 1
    conversation = Conversation.objects.get()
    from omnicanal.orders.tests.helpers import console_login

    agent = console_login(client, "agent")
    from omnicanal.core.auth import principal_for_user

    with transaction.atomic():
        deliver(services.do_reply, conversation=conversation, text="Hola Ana, soy Valentina.",
                actor=principal_for_user(agent), user=agent)
    assert whatsapp("¿dónde está mi pedido?") == []  # the person answers now
    assert whatsapp("¿tienen las Pegasus?") == []
    conversation.refresh_from_db()
    assert conversation.bot == "handed_off"
    with transaction.atomic():
        deliver(services.do_resolve, conversation=conversation, actor=principal_for_user(agent))
    assert len(whatsapp("hola de nuevo")) == 1  # a new question: the bot answers again


def test_an_agent_returns_the_conversation_to_the_bot(api, client, ana, whatsapp):
    whatsapp("quiero hablar con una persona")
    conversation = Conversation.objects.get()
    assert whatsapp("¿y mis puntos?") == []
    body = api.post(f"/conversations/{conversation.public_id}/return-to-bot", {}).json()
    assert body["bot"] == "active"
    assert len(whatsapp("¿cuántos puntos tengo?")) == 1


def test_the_inbox_thread_offers_return_to_the_bot_after_a_handoff(client, ana, whatsapp):
    from omnicanal.orders.tests.helpers import console_login

    whatsapp("quiero hablar con una persona")
    conversation = Conversation.objects.get()
    console_login(client, "agent")
    thread = client.get(f"/console/conversations/{conversation.public_id}/").content.decode()
    assert 'data-testid="return-to-bot"' in thread
    client.post(f"/console/conversations/{conversation.public_id}/status/", {"action": "return_to_bot"})
    conversation.refresh_from_db()
    assert conversation.bot == "active"
    assert 'data-testid="return-to-bot"' not in client.get(f"/console/conversations/{conversation.public_id}/").content.decode()


def test_the_reply_path_refuses_the_bot_once_a_person_handles_the_conversation(ana, whatsapp):
    """An agent's reply committed between the bot reading the conversation and answering wins."""
    from django.db import transaction

    from omnicanal.conversations import services
    from omnicanal.core.errors import Conflict

    whatsapp("hola")
    conversation = Conversation.objects.get()
    with transaction.atomic():
        services.do_hand_to_person(conversation=conversation)
    with pytest.raises(Conflict), transaction.atomic():
        services.do_send(conversation=conversation.public_id, text="¿Algo más?", channel="whatsapp", author="bot")
    assert Message.objects.filter(author="bot", private=False).count() == 1  # the greeting only

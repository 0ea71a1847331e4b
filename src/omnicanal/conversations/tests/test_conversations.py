import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations import queries, services
from omnicanal.conversations.models import Conversation, Message
from omnicanal.core import clock
from omnicanal.core.errors import InvalidTransition
from omnicanal.core.models import OutboxEvent
from omnicanal.customers import services as customer_services


def test_a_message_on_any_channel_joins_the_customers_one_open_conversation(receive):
    # given a customer known by phone and email
    customer_services.do_identify(channel="web", identities=[
        {"kind": "phone", "value": "+56987654321", "verified": True}, {"kind": "email", "value": "ana@example.cl"}])
    # when she writes on WhatsApp, then SMS, then email
    first = receive("Hola", channel="whatsapp")
    second = receive("¿Me escuchan?", channel="sms")
    third = receive("Les escribo por correo", channel="email", value="ana@example.cl")
    # then it is one conversation, with each message's channel
    assert first.new_conversation and not second.new_conversation and not third.new_conversation
    assert first.conversation.pk == second.conversation.pk == third.conversation.pk
    assert list(Message.objects.values_list("channel", flat=True)) == ["whatsapp", "sms", "email"]
    conversation = Conversation.objects.get()
    assert (conversation.last_channel, conversation.message_count) == ("email", 3)


def test_a_thread_without_a_language_takes_the_one_customers_knows(receive):
    # given a customer who told the shop she reads English (customers hands the thread a frozen summary)
    customer_services.do_identify(channel="web", identities=[{"kind": "phone", "value": "+56987654321"}],
                                  traits={"language": "en"})
    # when she writes on WhatsApp and the message says no language
    received = receive("Hi, is my order on its way?")
    # then the conversation speaks hers
    assert Conversation.objects.get(pk=received.conversation.pk).language == "en"


def test_a_replayed_provider_id_is_stored_once(receive):
    receive("Hola", external_id="wamid.1")
    again = receive("Hola", external_id="wamid.1")
    assert again.duplicate and Message.objects.count() == 1
    assert OutboxEvent.objects.filter(topic="conversations.MessageReceived").count() == 1


def test_a_resolved_conversation_reopens_within_the_window_else_a_new_one_starts(receive, actor, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "CONVERSATION_REOPEN_HOURS": 48}
    first = receive("Hola")
    services.do_resolve(conversation=first.conversation, actor=actor)
    with clock.frozen(clock.now() + dt.timedelta(hours=47)):
        again = receive("Otra pregunta")
        assert again.reopened and again.conversation.pk == first.conversation.pk
        services.do_resolve(conversation=again.conversation, actor=actor)
    with clock.frozen(clock.now() + dt.timedelta(hours=47 + 49)):
        later = receive("Hola de nuevo")
    assert later.new_conversation and later.conversation.pk != first.conversation.pk
    assert Conversation.objects.filter(status="open").count() == 1


def test_round_robin_among_available_agents_who_speak_the_language(receive, make_agent):
    services.do_save_team(slug="servicio", name="Servicio", languages=["es", "en"], is_default=True)
    ana = make_agent("ana", teams=["servicio"])
    beto = make_agent("beto", teams=["servicio"])
    make_agent("carla", teams=["servicio"], available=False)
    john = make_agent("john", languages=["en"], teams=["servicio"])
    assignees = [receive("Hola", value=f"+5698765430{i}", language="es").conversation.assignee.username for i in range(4)]
    assert sorted(assignees[:2]) == ["ana", "beto"] and assignees[2:] == assignees[:2]
    english = receive("Hello", value="+56987654399", language="en").conversation
    assert english.assignee == john
    assert {ana.pk, beto.pk} >= {c.assignee_id for c in Conversation.objects.filter(language="es")}


def test_a_store_question_goes_to_that_stores_team(receive, make_agent):
    services.do_save_team(slug="servicio", name="Servicio", is_default=True)
    services.do_save_team(slug="valpo", name="Tienda Valparaíso", store_codes=["VAP-PLAZA"])
    make_agent("general", teams=["servicio"])
    vendedora = make_agent("isidora", role="store_staff", teams=["valpo"], locations=["VAP-PLAZA"])
    conversation = receive("¿Tienen talla 38 en la tienda?", store="VAP-PLAZA").conversation
    assert conversation.team.slug == "valpo" and conversation.assignee == vendedora


def test_snoozed_conversations_wake_on_a_message_or_at_their_time(receive, actor):
    conversation = receive("Hola").conversation
    services.do_snooze(conversation=conversation, until=clock.now() + dt.timedelta(hours=2), actor=actor)
    assert receive("¿Hola?").conversation.status == "open"
    services.do_snooze(conversation=conversation, until=clock.now() + dt.timedelta(hours=2), actor=actor)
    with clock.frozen(clock.now() + dt.timedelta(hours=3)):
        assert services.do_wake_snoozed() == 1
    conversation.refresh_from_db()
    assert conversation.status == "open"
    services.do_resolve(conversation=conversation, actor=actor)
    with pytest.raises(InvalidTransition):
        services.do_snooze(conversation=conversation, until=clock.now() + dt.timedelta(hours=1), actor=actor)


def test_internal_notes_and_tags_never_leave(receive, actor):
    conversation = receive("Hola").conversation
    note = services.do_add_note(conversation=conversation, text="Cliente VIP, ofrecer despacho gratis", actor=actor)
    services.do_tag(conversation=conversation, name="VIP", actor=actor)
    assert note.private and note.status == "note"
    assert not OutboxEvent.objects.filter(topic="conversations.MessageSent").exists()
    assert list(conversation.tags.values_list("name", flat=True)) == ["vip"]
    assert note not in queries.thread(conversation, include_private=False)


def test_delivery_status_moves_forward_only(receive, actor):
    conversation = receive("Hola").conversation
    reply = services.do_reply(conversation=conversation, text="Hola!", actor=actor)
    services.do_record_delivery(message_id=reply.public_id, status="sent", external_id="wamid.X")
    for status in ("read", "delivered", "sent", "failed"):
        services.do_record_delivery(message_id=reply.public_id, status=status)
    reply.refresh_from_db()
    assert reply.status == "read" and reply.external_id == "wamid.X"


def test_an_agent_reply_stops_the_customers_wait(receive, actor):
    conversation = receive("Hola").conversation
    assert conversation.waiting_since is not None
    services.do_reply(conversation=conversation, text="¡Hola!", actor=actor)
    conversation.refresh_from_db()
    assert conversation.waiting_since is None and conversation.first_response_at is not None


def test_merging_two_customers_joins_their_open_conversations(receive):
    a = receive("Por WhatsApp", value="+56987654321").conversation
    b = receive("Por correo", channel="email", value="ana@example.cl").conversation
    assert a.customer_id != b.customer_id
    with transaction.atomic():
        customer_services.do_merge_customers(survivor=a.customer_id, other=b.customer_id)
    assert Conversation.objects.filter(status="open").count() == 1
    survivor = Conversation.objects.get(status="open")
    assert survivor.customer_id == a.customer_id and survivor.messages.count() == 2
    assert not Conversation.objects.exclude(customer_id=a.customer_id).exists()


def test_export_and_erasure_of_a_customers_conversations(receive, actor):
    received = receive("Mi dirección es Av. Siempre Viva 742")
    services.do_reply(conversation=received.conversation, text="Gracias", actor=actor)
    from omnicanal.conversations.services.privacy import export_conversations

    exported = export_conversations(received.customer_id)
    assert exported[0]["messages"][0]["text"].startswith("Mi dirección")
    services.do_erase_conversations(customer_id=received.customer_id)
    assert set(Message.objects.values_list("text", flat=True)) == {""}
    assert Conversation.objects.count() == 1  # the shell stays for the counts

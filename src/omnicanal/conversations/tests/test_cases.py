"""do_open_case: another domain's case (negative feedback) becomes a ticket on the customer's thread,
with the context as a private note; one open ticket per conversation."""

from django.db import transaction

from omnicanal.conversations import queries
from omnicanal.conversations.services import do_open_case
from omnicanal.core.auth import SYSTEM


def _customer():
    from omnicanal.customers import services as customers

    with transaction.atomic():
        return customers.do_identify(channel="web", identities=[{"kind": "email", "value": "eva@example.cl"}],
                                     traits={"name": "Eva Díaz"}).customer_id


def test_a_case_without_a_thread_opens_a_waiting_conversation_and_a_second_reuses_its_ticket(db):
    customer_id = _customer()
    with transaction.atomic():
        first = do_open_case(customer_id=customer_id, category="delivery", subject="Llegó roto",
                             note="Feedback: negativo", actor=SYSTEM, language="es", store="SCL")
    conversation = queries.open_conversation_of(customer_id)
    assert conversation is not None and conversation.waiting_since is not None and conversation.store == "SCL"
    assert first.conversation_id == conversation.pk and first.category == "delivery" and first.subject == "Llegó roto"
    with transaction.atomic():
        second = do_open_case(customer_id=customer_id, category="price", subject="Caro", note="Feedback: otra vez",
                              actor=SYSTEM)
    assert second.pk == first.pk
    notes = [m.text for m in queries.thread(conversation) if m.private]
    assert notes == ["Feedback: negativo", "Feedback: otra vez"]


def test_a_case_on_a_named_conversation_lands_there(db, receive):
    received = receive("hola, tengo un problema")
    with transaction.atomic():
        ticket = do_open_case(customer_id=received.customer_id, conversation_id=received.conversation.public_id,
                              category="feedback", subject="hola", note="contexto", actor=SYSTEM)
    assert ticket.conversation_id == received.conversation.pk and ticket.customer_id == received.customer_id

import pytest

from omnicanal.conversations.models import Conversation, Message
from omnicanal.core.testing import run_in_processes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def receive_one(text: str, external_id: str) -> str:
    """Runs in a child process: one inbound WhatsApp message of the same new customer."""
    from django.db import transaction

    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.services import do_receive_message

    inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", "56987650000"),), text=text,
                             external_id=external_id, address="56987650000")
    with transaction.atomic():
        return do_receive_message(inbound=inbound).conversation.public_id


def test_simultaneous_first_messages_of_a_new_customer_make_one_conversation():
    results = run_in_processes("omnicanal.conversations.tests.test_concurrency:receive_one",
                               [("Hola", "wamid.A"), ("¿Hay alguien?", "wamid.B"), ("Hola de nuevo", "wamid.C")])
    assert len(set(results)) == 1
    assert Conversation.objects.count() == 1 and Message.objects.count() == 3


def test_a_webhook_delivered_twice_at_once_is_stored_once():
    results = run_in_processes("omnicanal.conversations.tests.test_concurrency:receive_one",
                               [("Hola", "wamid.SAME"), ("Hola", "wamid.SAME")])
    assert len(set(results)) == 1
    assert Message.objects.count() == 1

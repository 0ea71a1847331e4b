"""An erased customer's conversation can still be resolved: the satisfaction question is simply
not asked (there is nobody to ask), and the outbox event is done, never failed."""

import pytest
from django.db import transaction

from omnicanal.conversations import services
from omnicanal.conversations.models import Message
from omnicanal.core.models import OutboxEvent
from omnicanal.customers.services import do_erase_customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_resolving_an_erased_customers_conversation_does_not_fail_the_csat_handler(receive, actor):
    # given a WhatsApp conversation whose customer was then erased
    received = receive("Hola, soy Zyxwvu", channel="whatsapp", value="+56975318642")
    with transaction.atomic():
        do_erase_customer(customer=received.conversation.customer_id, reason="request")
    # when an agent resolves it
    with transaction.atomic():
        services.do_resolve(conversation=received.conversation, actor=actor)
    # then the satisfaction handler ran and delivered (no question to a person who is gone)
    event = OutboxEvent.objects.get(topic="conversations.ConversationResolved")
    assert event.status == "done", event.last_error
    assert not Message.objects.filter(kind="csat").exists()

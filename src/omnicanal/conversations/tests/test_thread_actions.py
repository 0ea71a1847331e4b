"""Linking an order (or return) to a conversation from a domain's side panel: the reference goes on
the conversation's open ticket (opened in the category "order" when there is none) and shows in the
thread header; the panels beside the thread know which conversation they sit next to."""

import pytest
from django.db import transaction

from omnicanal.conversations import services
from omnicanal.conversations.models import Ticket
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import registry


@pytest.fixture
def signed_in(client, make_agent):
    user = make_agent("valentina")
    client.force_login(user)
    return user


def test_linking_an_order_opens_a_ticket_or_updates_the_open_one(receive, actor):
    conversation = receive("¿Dónde está mi pedido?").conversation
    with transaction.atomic():
        first = services.do_link_order(conversation=conversation, order_ref="AS-100123", actor=actor)
    assert first.category == "order" and first.order_ref == "AS-100123" and first.status == "new"
    with transaction.atomic():
        again = services.do_link_order(conversation=conversation.public_id, order_ref="AS-100124", actor=actor)
    assert again.pk == first.pk and again.order_ref == "AS-100124" and Ticket.objects.count() == 1
    with pytest.raises(ValidationFailed):
        services.do_link_order(conversation=conversation, order_ref="AS 1; drop", actor=actor)
    with pytest.raises(ValidationFailed):
        services.do_link_order(conversation=conversation, actor=actor)


def test_console_link_order_shows_it_in_the_thread_header(client, signed_in, receive):
    conversation = receive("¿Dónde está mi pedido?").conversation
    page = client.post(f"/console/conversations/{conversation.public_id}/link-order/", {"order_ref": "AS-100123"},
                       HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="linked-order"' in html and "AS-100123" in html
    ticket = Ticket.objects.get(conversation=conversation)
    assert ticket.order_ref == "AS-100123" and ticket.category == "order"


def test_a_clerk_may_not_link_orders(client, make_agent, receive):
    conversation = receive("Hola").conversation
    client.force_login(make_agent("clerk", role="store_staff", locations=["SCL"]))
    page = client.post(f"/console/conversations/{conversation.public_id}/link-order/", {"order_ref": "AS-100123"})
    assert page.status_code == 403 and not Ticket.objects.exists()


def test_panels_beside_the_thread_know_the_conversation(client, signed_in, receive, monkeypatch):
    seen = []

    def spy(request, customer_id):
        seen.append(getattr(request, "conversation_id", None))
        return "<p>spy</p>"

    monkeypatch.setitem(registry._panels, "spy", registry.Panel(name="spy", label="Spy", render=spy, order=99))
    conversation = receive("Hola").conversation
    assert client.get(f"/console/conversations/{conversation.public_id}/thread/").status_code == 200
    assert seen == [conversation.public_id]

"""A case for something a customer said outside a live thread (a 1-star review, an angry social
post, a negative message): a ticket in the inbox with a note carrying the context, for the team
that handles it. Other domains (feedback) open one through `do_open_case`; they never write tickets.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from omnicanal.conversations import locks
from omnicanal.conversations.models import Author, Conversation, Status, Ticket
from omnicanal.conversations.services.common import conversation_of
from omnicanal.conversations.services.reply import do_add_note
from omnicanal.conversations.services.routing import do_auto_assign
from omnicanal.conversations.services.tickets import do_open_ticket
from omnicanal.core import clock
from omnicanal.core.auth import Principal


def _thread(customer_id: str, *, subject: str, language: str, store: str) -> tuple[Conversation, bool]:
    """The customer's open conversation, else a new open one waiting for an answer (the case is a
    question for the inbox, its SLA runs from now); and whether it is new."""
    active = locks.lock_active_conversation(customer_id)
    if active is not None:
        return active, False
    now = clock.now()
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                customer_id=customer_id, status=Status.OPEN, subject=subject[:200], language=language[:8],
                store=store[:32], waiting_since=now, created_at=now, updated_at=now), True
    except IntegrityError:  # a message opened one meanwhile
        found = locks.lock_active_conversation(customer_id)
        assert found is not None
        return found, False


def do_open_case(*, customer_id: str, category: str, subject: str, note: str, actor: Principal,
                 conversation_id: str = "", language: str = "", store: str = "", team_hint: str = "") -> Ticket:
    """Opens (or reuses: one open ticket per conversation) a ticket on the conversation named, else on
    the customer's open thread or a new one (routed like any new conversation), and leaves `note` on it
    for the agent."""
    new = False
    if conversation_id:
        conversation = locks.lock_conversation(conversation_of(conversation_id).pk)
    else:
        conversation, new = _thread(customer_id, subject=subject, language=language, store=store)
    if new:  # routed first, so the ticket takes the team and its SLA policy; a live thread keeps its own
        do_auto_assign(conversation=conversation, team_hint=team_hint)
    ticket = do_open_ticket(conversation=conversation, category=category, subject=subject, actor=actor)
    do_add_note(conversation=conversation, text=note, actor=actor, author=Author.SYSTEM)
    return ticket

"""Every SELECT … FOR UPDATE of the conversations domain, in a fixed order.

Order: the customer's conversations (by primary key), then a team, then an agent profile, then
the ticket sequence. A message's conversation is always locked before anything else of it.
"""

from __future__ import annotations

from omnicanal.conversations.models import AgentProfile, Conversation, Team, Ticket, TicketSequence


def lock_conversation(pk: int) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=pk)


def lock_conversations(pks: list[int]) -> list[Conversation]:
    """Many customers' conversations at once, in primary-key order (a batch of notifications)."""
    return list(Conversation.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def lock_active_conversation(customer_id: str) -> Conversation | None:
    # Its team comes along (the inbound path reads its slug for the push and the events); only the
    # conversation's row is locked (of=self): the team is locked, when it is, by lock_team.
    return (
        Conversation.objects.select_for_update(of=("self",)).select_related("team")
        .filter(customer_id=customer_id, status__in=["open", "snoozed"])
        .order_by("pk")
        .first()
    )


def lock_active_conversations(customer_ids: list[str]) -> dict[str, Conversation]:
    """Many customers' active conversations at once (the worker's batch), locked in primary-key
    order as lock_conversations does, their teams along as in lock_active_conversation; by customer."""
    found: dict[str, Conversation] = {}
    if customer_ids:
        for conversation in (Conversation.objects.select_for_update(of=("self",)).select_related("team")
                             .filter(customer_id__in=sorted(set(customer_ids)), status__in=["open", "snoozed"])
                             .order_by("pk")):
            found.setdefault(conversation.customer_id, conversation)
    return found


def lock_team(pk: int) -> Team:
    return Team.objects.select_for_update().get(pk=pk)


def lock_profiles(pks: list[int]) -> list[AgentProfile]:
    return list(AgentProfile.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def lock_ticket(pk: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=pk)


def next_ticket_number(start: int = 10001) -> int:
    sequence = TicketSequence.objects.select_for_update().filter(name="ticket").first()
    if sequence is None:
        from django.db import IntegrityError, transaction

        try:
            with transaction.atomic():
                TicketSequence.objects.create(name="ticket", value=start - 1)
        except IntegrityError:
            pass
        sequence = TicketSequence.objects.select_for_update().get(name="ticket")
    sequence.value += 1
    sequence.save(update_fields=["value"])
    return sequence.value

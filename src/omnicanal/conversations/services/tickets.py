"""Tickets: a numbered case on a conversation (T-10001), its status, and its SLA timers.

Timers (in the team's business minutes when the policy says so):
- first response: from the ticket's opening (or the customer's waiting, if earlier) until an agent
  answers;
- next response: from each later customer message until an agent answers again;
- resolution: from the opening until solved.
A periodic task (tasks.check_sla) emits SlaWarning at the policy's percentage of a timer and
SlaBreached at its end, once each; a breach escalates: priority urgent, TicketEscalated.
A pending ticket waits on the customer: its running timers pause (what is left of each, in business
minutes, is kept) and resume when the customer answers or the ticket is opened again.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks
from omnicanal.conversations.events import (
    SlaBreached,
    SlaWarning,
    TicketEscalated,
    TicketLinked,
    TicketOpened,
    TicketStatusChanged,
)
from omnicanal.conversations.models import (
    OPEN_TICKET_STATUSES,
    Conversation,
    Priority,
    SlaPolicy,
    Team,
    Ticket,
    TicketStatus,
)
from omnicanal.conversations.services.common import assignee_key, conversation_of, team_key
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import InvalidTransition, ValidationFailed
from omnicanal.core.hours import add_business_minutes, business_minutes_between

CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
REF = re.compile(r"^[\w.-]{0,40}$")
OPEN_STATUSES = OPEN_TICKET_STATUSES
TRANSITIONS = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED},
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.SOLVED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.SOLVED},
    TicketStatus.SOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}
TIMERS = ("first_response", "next_response", "resolution")


def _due(start: dt.datetime, minutes: float, policy: SlaPolicy, team: Team | None) -> dt.datetime:
    if policy.business_hours and team is not None:
        return add_business_minutes(start, minutes, team.business_hours, team.time_zone)
    return start + dt.timedelta(minutes=minutes)


def sla_deadline(start: dt.datetime, minutes: float, policy: SlaPolicy, team: Team | None) -> dt.datetime:
    """When a timer of `minutes` started at `start` ends under `policy` (the team's business hours
    when the policy counts them): the one rule for every due time, the demo's included."""
    return _due(start, minutes, policy, team)


def _left(start: dt.datetime, due: dt.datetime, policy: SlaPolicy, team: Team | None) -> float:
    if policy.business_hours and team is not None:
        return business_minutes_between(start, due, team.business_hours, team.time_zone)
    return max((due - start).total_seconds() / 60, 0.0)


def _pause(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Stop the running timers, keeping what is left of each; breached ones stay as they were."""
    if ticket.paused_at is not None or ticket.policy is None:
        return []
    left = {}
    for timer in TIMERS:
        due = getattr(ticket, f"{timer}_due")
        if due is None or timer in ticket.breached:
            continue
        left[timer] = _left(now, due, ticket.policy, ticket.team)
        setattr(ticket, f"{timer}_due", None)
    ticket.paused_at, ticket.paused_minutes = now, left
    return ["paused_at", "paused_minutes", *(f"{timer}_due" for timer in TIMERS)]


def _resume(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Start the paused timers again from `now` with exactly the business minutes they had left."""
    if ticket.paused_at is None:
        return []
    for timer, minutes in (ticket.paused_minutes or {}).items():
        if timer in TIMERS and ticket.policy is not None:
            setattr(ticket, f"{timer}_due", _due(now, minutes, ticket.policy, ticket.team))
    ticket.paused_at, ticket.paused_minutes = None, {}
    return ["paused_at", "paused_minutes", *(f"{timer}_due" for timer in TIMERS)]


def policy_for(team: Team | None) -> SlaPolicy | None:
    if team is not None and team.sla_policy_id:
        return team.sla_policy
    return SlaPolicy.objects.filter(is_default=True).first()


def open_ticket_of(conversation: Conversation) -> Ticket | None:
    return Ticket.objects.filter(conversation=conversation, status__in=OPEN_STATUSES).order_by("-pk").first()


def open_tickets_of(conversation_pks: list[int]) -> dict[int, Ticket | None]:
    """open_ticket_of for many conversations in one query: each one's latest open ticket, or None."""
    found: dict[int, Ticket | None] = dict.fromkeys(conversation_pks)
    if conversation_pks:
        for ticket in Ticket.objects.filter(conversation_id__in=conversation_pks, status__in=OPEN_STATUSES).order_by("-pk"):
            if found[ticket.conversation_id] is None:
                found[ticket.conversation_id] = ticket
    return found


def do_open_ticket(*, conversation: Conversation | str, category: str, actor: Principal, subject: str = "",
                   order_ref: str = "", return_ref: str = "", policy: SlaPolicy | None = None) -> Ticket:
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    errors = []
    if not CATEGORY.match(category or ""):
        errors.append(("category", _("a short code such as delivery, returns, product")))
    for name, value in (("order_ref", order_ref), ("return_ref", return_ref)):
        if not REF.match(value or ""):
            errors.append((name, _("a reference such as A-10422")))
    if errors:
        from omnicanal.core.errors import FieldError

        raise ValidationFailed(detail=str(errors[0][1]), errors=[FieldError(f, m) for f, m in errors])
    existing = open_ticket_of(conversation)
    if existing is not None:
        return existing
    now = clock.now()
    team = conversation.team
    policy = policy or policy_for(team)
    ticket = Ticket(
        number=locks.next_ticket_number(), conversation=conversation, customer_id=conversation.customer_id,
        category=category, subject=(subject or conversation.subject)[:200], order_ref=order_ref or "",
        return_ref=return_ref or "", status=TicketStatus.NEW, policy=policy, team=team, created_at=now, updated_at=now,
    )
    if conversation.first_response_at is not None:
        ticket.status, ticket.first_responded_at = TicketStatus.OPEN, conversation.first_response_at
    if policy is not None:
        start = min(conversation.waiting_since or now, now)
        if ticket.first_responded_at is None:
            ticket.first_response_due = _due(start, policy.first_response_minutes, policy, team)
        elif conversation.waiting_since is not None:
            ticket.next_response_due = _due(conversation.waiting_since, policy.next_response_minutes, policy, team)
        ticket.resolution_due = _due(now, policy.resolution_minutes, policy, team)
    ticket.save()
    outbox.emit(TicketOpened(ticket_id=ticket.public_id, number=ticket.display_number, conversation_id=conversation.public_id,
                             customer_id=conversation.customer_id, category=category, order_ref=ticket.order_ref,
                             return_ref=ticket.return_ref))
    return ticket


def do_link_order(*, conversation: Conversation | str, actor: Principal, order_ref: str = "",
                  return_ref: str = "") -> Ticket:
    """Record an order (or return) reference on the conversation's open ticket, opening one in the
    category "order" when there is none. The reference is a string: conversations never reads orders."""
    for name, value in (("order_ref", order_ref), ("return_ref", return_ref)):
        if not REF.match(value or ""):
            raise ValidationFailed.on(name, _("a reference such as A-10422"))
    if not (order_ref or return_ref):
        raise ValidationFailed.on("order_ref", _("name an order or a return"))
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    ticket = open_ticket_of(conversation)
    if ticket is None:
        return do_open_ticket(conversation=conversation, category="order", actor=actor, order_ref=order_ref,
                              return_ref=return_ref)
    ticket = locks.lock_ticket(ticket.pk)
    ticket.order_ref = order_ref or ticket.order_ref
    ticket.return_ref = return_ref or ticket.return_ref
    ticket.updated_at = clock.now()
    ticket.save(update_fields=["order_ref", "return_ref", "updated_at"])
    outbox.emit(TicketLinked(ticket_id=ticket.public_id, number=ticket.display_number,
                             conversation_id=conversation.public_id, order_ref=ticket.order_ref,
                             return_ref=ticket.return_ref))
    return ticket


def do_set_ticket_status(*, ticket: Ticket | str, status: str, actor: Principal) -> Ticket:
    found = ticket if isinstance(ticket, Ticket) else Ticket.objects.filter(public_id=ticket).first()
    if found is None:
        from omnicanal.core.errors import NotFound

        raise NotFound(detail=f"No ticket {ticket}.")
    ticket = locks.lock_ticket(found.pk)
    if status not in TicketStatus.values:
        raise ValidationFailed.on("status", _("must be new, open, pending, solved or closed"))
    if status == ticket.status:
        return ticket
    if status not in TRANSITIONS[TicketStatus(ticket.status)]:
        raise InvalidTransition(detail=f"{ticket.status} → {status}")
    now = clock.now()
    previous = ticket.status
    ticket.status, ticket.updated_at = status, now
    if status == TicketStatus.PENDING:
        _pause(ticket, now)
    elif previous == TicketStatus.PENDING and status == TicketStatus.OPEN:
        _resume(ticket, now)
    if status == TicketStatus.SOLVED:
        ticket.solved_at = now
        ticket.paused_at, ticket.paused_minutes = None, {}
        ticket.first_response_due = ticket.next_response_due = None
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif status == TicketStatus.OPEN and ticket.solved_at is not None:
        ticket.solved_at = None
        if ticket.policy is not None:
            ticket.resolution_due = _due(now, ticket.policy.resolution_minutes, ticket.policy, ticket.team)
    ticket.save()
    outbox.emit(TicketStatusChanged(ticket_id=ticket.public_id, number=ticket.display_number,
                                    conversation_id=ticket.conversation.public_id, status=status))
    return ticket


_UNREAD: Any = object()


def on_customer_message(*, conversation: Conversation, at: dt.datetime, ticket: Ticket | None = _UNREAD) -> None:
    """A customer wrote: a pending ticket is open again, its paused timers resume, and the
    next-response timer starts. `ticket`: its open ticket already read (open_tickets_of, the
    worker's batch), None for none."""
    if ticket is _UNREAD:
        ticket = open_ticket_of(conversation)
    if ticket is None:
        return
    changed = []
    if ticket.status == TicketStatus.PENDING:
        ticket.status = TicketStatus.OPEN
        changed += ["status", *_resume(ticket, at)]
    if ticket.first_responded_at is not None and ticket.next_response_due is None and ticket.policy is not None:
        ticket.next_response_due = _due(at, ticket.policy.next_response_minutes, ticket.policy, ticket.team)
        ticket.warned = [t for t in ticket.warned if t != "next_response"]
        ticket.breached = [t for t in ticket.breached if t != "next_response"]
        changed += ["next_response_due", "warned", "breached"]
    if changed:
        ticket.updated_at = at
        ticket.save(update_fields=[*dict.fromkeys(changed), "updated_at"])


def on_agent_reply(*, conversation: Conversation, at: dt.datetime) -> None:
    ticket = open_ticket_of(conversation)
    if ticket is None:
        return
    if ticket.first_responded_at is None:
        ticket.first_responded_at = at
        ticket.first_response_due = None
    ticket.next_response_due = None
    # an answer meets the response timers, paused ones too; only resolution stays paused
    ticket.paused_minutes = {k: v for k, v in (ticket.paused_minutes or {}).items() if k == "resolution"}
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    ticket.updated_at = at
    ticket.save(update_fields=["first_responded_at", "first_response_due", "next_response_due", "status",
                               "paused_minutes", "updated_at"])


def _warn_at(ticket: Ticket, timer: str, due: dt.datetime) -> dt.datetime:
    policy = ticket.policy
    minutes = getattr(policy, f"{timer}_minutes")
    lead = dt.timedelta(minutes=minutes * (100 - policy.warn_at_percent) / 100)
    return due - lead


def sla_state(ticket: Ticket, now: dt.datetime) -> tuple[list[str], list[str]]:
    """The timers that are at risk (warned) and past due (breached) at `now`: the rule do_check_sla
    applies, for rows written without it (the demo's)."""
    warned, breached = [], []
    for timer in TIMERS:
        due = getattr(ticket, f"{timer}_due")
        if due is None or ticket.policy is None:
            continue
        if now >= due:
            breached.append(timer)
            warned.append(timer)
        elif now >= _warn_at(ticket, timer, due):
            warned.append(timer)
    return warned, breached


def do_check_sla(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Emit each warning and breach once; escalate breaches. Runs every minute."""
    now = now or clock.now()
    counts = {"warnings": 0, "breaches": 0}
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, policy__isnull=False).select_related("policy", "conversation")
    for ticket in tickets:
        for timer in TIMERS:
            due = getattr(ticket, f"{timer}_due")
            if due is None or timer in ticket.breached:
                continue
            if now >= due:
                _breach(ticket, timer, due, now)
                counts["breaches"] += 1
            elif timer not in ticket.warned and now >= _warn_at(ticket, timer, due):
                locked = locks.lock_ticket(ticket.pk)
                locked.warned = [*locked.warned, timer]
                locked.save(update_fields=["warned"])
                conversation = ticket.conversation
                outbox.emit(SlaWarning(ticket_id=ticket.public_id, number=ticket.display_number,
                                       conversation_id=conversation.public_id, timer=timer, due_at=due.isoformat(),
                                       assignee_id=assignee_key(conversation), team=team_key(conversation)))
                counts["warnings"] += 1
    return counts


def _breach(ticket: Ticket, timer: str, due: dt.datetime, now: dt.datetime) -> None:
    locked = locks.lock_ticket(ticket.pk)
    if timer in locked.breached:
        return
    locked.breached = [*locked.breached, timer]
    locked.warned = sorted({*locked.warned, timer})
    locked.escalated_at = locked.escalated_at or now
    locked.save(update_fields=["breached", "warned", "escalated_at"])
    ticket.breached, ticket.warned = locked.breached, locked.warned
    conversation = ticket.conversation
    Conversation.objects.filter(pk=conversation.pk).update(priority=Priority.URGENT)
    outbox.emit(SlaBreached(ticket_id=ticket.public_id, number=ticket.display_number, conversation_id=conversation.public_id,
                            timer=timer, due_at=due.isoformat(), assignee_id=assignee_key(conversation),
                            team=team_key(conversation)))
    outbox.emit(TicketEscalated(ticket_id=ticket.public_id, number=ticket.display_number,
                                conversation_id=conversation.public_id, timer=timer))

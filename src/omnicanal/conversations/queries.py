"""Reads of the conversations domain, for the API, the console, the channels app and others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet

from omnicanal.conversations import rules
from omnicanal.conversations.models import (
    ACTIVE_STATUSES,
    OPEN_TICKET_STATUSES,
    AgentProfile,
    Attachment,
    Author,
    CannedReply,
    Conversation,
    Direction,
    Message,
    Team,
    Ticket,
)
from omnicanal.core import clock, hours
from omnicanal.core.queries import get_or_404


def get_conversation(conversation_id: str) -> Conversation:
    return get_or_404(Conversation.objects.select_related("assignee", "team"), f"No conversation {conversation_id}.", public_id=conversation_id)


def get_message(message_id: str) -> Message:
    return get_or_404(Message.objects.select_related("conversation"), f"No message {message_id}.", public_id=message_id)


def open_conversation_of(customer_id: str) -> Conversation | None:
    return Conversation.objects.filter(customer_id=customer_id, status__in=ACTIVE_STATUSES).first()


def current_ticket(conversation: Conversation) -> Ticket | None:
    tickets = Ticket.objects.filter(conversation=conversation).order_by("-pk")
    return tickets.filter(status__in=OPEN_TICKET_STATUSES).first() or tickets.first()


def thread(conversation: Conversation, *, include_private: bool = True) -> list[Message]:
    rows = Message.objects.filter(conversation=conversation).select_related("author_user").prefetch_related("attachments")
    if not include_private:
        rows = rows.filter(private=False)
    return list(rows.order_by("created_at", "pk"))


@dataclass
class InboxFilter:
    view: str = "all"  # all, mine, unassigned, team, sla
    status: str = "open"  # open, snoozed, resolved, all
    channel: str = ""
    team: str = ""
    tag: str = ""
    q: str = ""  # a conversation id, customer id or text in the subject


def at_risk_ids(now: dt.datetime | None = None) -> QuerySet:
    """Conversations with an unsolved ticket whose timer is warned, breached or due soon."""
    now = now or clock.now()
    soon = now + rules.sla_at_risk_window()
    tickets = Ticket.objects.filter(status__in=OPEN_TICKET_STATUSES).filter(
        Q(first_response_due__lte=soon) | Q(next_response_due__lte=soon) | Q(resolution_due__lte=soon)
    )
    return tickets.values("conversation_id")


def inbox(user, spec: InboxFilter, *, limit: int = 100) -> list[Conversation]:
    rows = Conversation.objects.select_related("assignee", "team")
    if spec.status in ("open", "snoozed", "resolved"):
        rows = rows.filter(status=spec.status)
    elif spec.status == "active":
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    if spec.view == "mine":
        rows = rows.filter(assignee=user)
    elif spec.view == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    elif spec.view == "team":
        slugs = spec.team and [spec.team] or list(
            Team.objects.filter(agents__user=user).values_list("slug", flat=True)
        )
        rows = rows.filter(team__slug__in=slugs)
    elif spec.view == "sla":
        rows = rows.filter(pk__in=at_risk_ids())
    if spec.channel:
        rows = rows.filter(last_channel=spec.channel)
    if spec.tag:
        rows = rows.filter(tags__name=spec.tag)
    if spec.q:
        q = spec.q.strip()
        rows = rows.filter(Q(public_id=q) | Q(customer_id=q) | Q(subject__icontains=q))
    return list(rows.order_by("-last_message_at", "-pk")[:limit])


def counts(user) -> dict[str, int]:
    active = Conversation.objects.filter(status__in=ACTIVE_STATUSES)
    return {
        "mine": active.filter(assignee=user).count(),
        "unassigned": active.filter(assignee__isnull=True).count(),
        "team": active.filter(team__agents__user=user).count(),
        "sla": active.filter(pk__in=at_risk_ids()).count(),
        "all": active.count(),
    }


def last_messages(conversations: list[Conversation]) -> dict[int, Message]:
    """The latest non-private message of each conversation (one query per page, newest first)."""
    ids = [c.pk for c in conversations]
    found: dict[int, Message] = {}
    if not ids:
        return found
    rows = Message.objects.filter(conversation_id__in=ids, private=False).order_by("conversation_id", "-created_at", "-pk")
    for message in rows.only("conversation_id", "text", "channel", "direction", "created_at", "kind", "author", "meta"):
        found.setdefault(message.conversation_id, message)
    return found


def tickets_of(conversations: list[Conversation]) -> dict[int, Ticket]:
    rows = Ticket.objects.filter(conversation_id__in=[c.pk for c in conversations], status__in=OPEN_TICKET_STATUSES)
    return {t.conversation_id: t for t in rows}


def tickets(*, status: str = "unsolved", limit: int = 200) -> list[Ticket]:
    rows = Ticket.objects.select_related("conversation", "team", "policy")
    if status == "unsolved":
        rows = rows.filter(status__in=OPEN_TICKET_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    return list(rows.order_by("resolution_due", "number")[:limit])


def conversations_of(customer_id: str, *, limit: int = 20) -> list[Conversation]:
    return list(Conversation.objects.filter(customer_id=customer_id).order_by("-last_message_at", "-pk")[:limit])


def agents_online(now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return AgentProfile.objects.filter(
        available=True, user__is_active=True, last_seen_at__gte=now - rules.online_window()
    ).exists()


def agents() -> list[AgentProfile]:
    return list(AgentProfile.objects.select_related("user").prefetch_related("teams").order_by("user__first_name"))


def canned_replies(language: str = "") -> list[CannedReply]:
    rows = CannedReply.objects.all()
    if language:
        rows = rows.filter(language=language)
    return list(rows)


# --- for the bot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotTurn:
    """An inbound message as the bot sees it, with who answers the conversation now."""

    message_id: str
    conversation_id: str
    customer_id: str
    channel: str
    inbox_id: str
    author: str
    text: str
    kind: str
    language: str  # the conversation's, "" when unknown
    status: str
    bot: str  # BotState: active | handed_off
    private: bool


# BotTurn's columns in its field order: read as values, not as two wide models (once or twice per
# inbound message in the worker: the bot's turn and feedback's reading).
_TURN_COLUMNS = ("public_id", "conversation__public_id", "conversation__customer_id", "channel", "inbox_id", "author",
                 "text", "kind", "conversation__language", "conversation__status", "conversation__bot", "private")


def bot_turn(message_id: str) -> BotTurn | None:
    rows = Message.objects.filter(public_id=message_id).values_list(*_TURN_COLUMNS)[:1]
    return next((BotTurn(*row) for row in rows), None)


def bot_turns(message_ids: list[str]) -> dict[str, BotTurn]:
    """{message id: its turn} in one query (a worker's batch); unknown ids are left out."""
    rows = Message.objects.filter(public_id__in=message_ids).values_list(*_TURN_COLUMNS)
    return {row[0]: BotTurn(*row) for row in rows}


@dataclass(frozen=True)
class Staffing:
    """When people answer a conversation: its team's business hours (empty: around the clock)."""

    hours: dict
    time_zone: str
    open_now: bool
    next_open: dt.datetime  # now when open (or no hours), else when the team next opens


def staffing(conversation_id: str, now: dt.datetime | None = None) -> Staffing:
    now = now or clock.now()
    row = Conversation.objects.select_related("team").filter(public_id=conversation_id).first()
    team = row.team if row is not None and row.team_id else Team.objects.filter(is_default=True).first()
    schedule, tz = (team.business_hours or {}, team.time_zone) if team is not None else ({}, "America/Santiago")
    open_now = hours.is_open_or_always(schedule, tz, now)
    # zero business minutes after now: the start of the next open span
    next_open = now if open_now else hours.add_business_minutes(now, 0, schedule, tz)
    return Staffing(hours=schedule, time_zone=tz, open_now=open_now, next_open=next_open)


# --- for the channels app ---------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundView:
    message_id: str
    conversation_id: str
    customer_id: str
    channel: str
    inbox_id: str
    address: str
    text: str
    status: str
    author: str
    kind: str
    meta: dict
    created_at: dt.datetime
    attachments: list[Attachment] = field(default_factory=list)
    error: str = ""  # why a failed message failed (the provider's refusal, or no inbox to send it)


def outbound(message_id: str) -> OutboundView | None:
    message = (
        Message.objects.select_related("conversation").prefetch_related("attachments")
        .filter(public_id=message_id, direction=Direction.OUT, private=False).first()
    )
    if message is None:
        return None
    return OutboundView(
        message_id=message.public_id, conversation_id=message.conversation.public_id,
        customer_id=message.conversation.customer_id, channel=message.channel, inbox_id=message.inbox_id,
        address=message.address, text=message.text, status=message.status, author=message.author, kind=message.kind,
        meta=message.meta or {}, created_at=message.created_at, attachments=list(message.attachments.all()),
        error=message.error,
    )


def webchat_thread(device_id: str, *, after: str = "", limit: int = 100) -> tuple[Conversation | None, list[Message]]:
    """The web chat device's latest conversation and the messages of that device in it: what it sent
    and the replies sent to it (after a message id, if given). Never the rest of the conversation nor
    of the customer: a device sees only its own exchange, whoever it resolved to."""
    last = (
        Message.objects.filter(channel="webchat", direction=Direction.IN, address=device_id)
        .select_related("conversation").order_by("-created_at", "-pk").first()
    )
    if last is None:
        return None, []
    rows = Message.objects.filter(
        conversation=last.conversation, channel="webchat", private=False, address=device_id
    ).prefetch_related(
        "attachments"
    ).order_by("created_at", "pk")
    if after:
        anchor = Message.objects.filter(public_id=after).values_list("created_at", "pk").first()
        if anchor is not None:
            rows = rows.filter(Q(created_at__gt=anchor[0]) | Q(created_at=anchor[0], pk__gt=anchor[1]))
    return last.conversation, list(rows[:limit])


class PendingAttachment(NamedTuple):
    """A file a provider holds for a message, not fetched yet."""

    id: str
    channel: str
    inbox_id: str
    remote_ref: str


def _pending_attachments() -> QuerySet[Attachment]:
    return Attachment.objects.filter(file="").exclude(remote_ref="").select_related("message")


def _pending(a: Attachment) -> PendingAttachment:
    return PendingAttachment(a.public_id, a.message.channel, a.message.inbox_id, a.remote_ref)


def pending_remote_attachments(message_ids: list[str]) -> list[PendingAttachment]:
    """The attachments of these messages still to fetch."""
    return [_pending(a) for a in _pending_attachments().filter(message__public_id__in=message_ids)]


def pending_remote_attachment(attachment_id: str) -> PendingAttachment | None:
    """One attachment still to fetch; None when unknown or already fetched."""
    row = _pending_attachments().filter(public_id=attachment_id).first()
    return None if row is None else _pending(row)


# --- facts for reporting (analytics reads these, never the tables) ------------------------------

@dataclass(frozen=True)
class ConversationFact:
    conversation_id: str
    customer_id: str
    channel: str  # the channel of its first inbound message ("" when the customer never wrote)
    opened_at: dt.datetime
    first_inbound_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    store: str = ""  # the store it is about: the store's inbox it came through, or routing's (a location code)
    team_stores: tuple[str, ...] = ()  # the stores its team answers for
    order_refs: tuple[str, ...] = ()  # the orders its tickets are about (ids or numbers), oldest first
    reopens: int = 0  # times reopened after being resolved
    bot_replied: bool = False  # the bot wrote to the customer
    agent_replied: bool = False  # a person (an agent) wrote to the customer


@dataclass(frozen=True)
class MessageTouch:
    """A customer wrote on a channel in a conversation: the first inbound message per channel."""

    customer_id: str
    conversation_id: str
    channel: str
    at: dt.datetime


def _first_inbound(conversation_ids: list[int]) -> dict[int, list[tuple[str, dt.datetime]]]:
    """{conversation pk: [(channel, first inbound at)] oldest first}, one query."""
    firsts: dict[int, dict[str, dt.datetime]] = {}
    rows = (Message.objects.filter(conversation_id__in=conversation_ids, direction=Direction.IN)
            .order_by("created_at", "pk").values_list("conversation_id", "channel", "created_at"))
    for pk, channel, at in rows:
        firsts.setdefault(pk, {}).setdefault(channel, at)
    return {pk: sorted(by.items(), key=lambda item: item[1]) for pk, by in firsts.items()}


def conversation_facts(*, opened_from: dt.datetime | None = None, opened_to: dt.datetime | None = None,
                       customer_ids: list[str] | None = None,
                       conversation_ids: list[str] | None = None) -> list[ConversationFact]:
    """Conversations opened in [opened_from, opened_to) (of these customers; with these public ids),
    oldest first."""
    qs = Conversation.objects.order_by("created_at", "pk")
    if conversation_ids is not None:
        qs = qs.filter(public_id__in=conversation_ids)
    if opened_from is not None:
        qs = qs.filter(created_at__gte=opened_from)
    if opened_to is not None:
        qs = qs.filter(created_at__lt=opened_to)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=customer_ids)
    rows = list(qs.values_list("pk", "public_id", "customer_id", "created_at", "first_response_at", "resolved_at",
                               "store", "team__store_codes", "reopens"))
    pks = [row[0] for row in rows]
    firsts = _first_inbound(pks)
    refs: dict[int, list[str]] = {}
    for pk, ref in (Ticket.objects.filter(conversation_id__in=pks).exclude(order_ref="")
                    .order_by("created_at", "pk").values_list("conversation_id", "order_ref")):
        refs.setdefault(pk, []).append(ref)
    authors: dict[int, set[str]] = {}
    for pk, author in (Message.objects.filter(conversation_id__in=pks, direction=Direction.OUT, private=False,
                                              author__in=(Author.AGENT, Author.BOT))
                       .values_list("conversation_id", "author").distinct()):
        authors.setdefault(pk, set()).add(author)
    out = []
    for pk, public_id, customer_id, created_at, first_response_at, resolved_at, store, team_stores, reopens in rows:
        touches = firsts.get(pk, [])
        out.append(ConversationFact(
            conversation_id=public_id, customer_id=customer_id, channel=touches[0][0] if touches else "",
            opened_at=created_at, first_inbound_at=touches[0][1] if touches else None,
            first_response_at=first_response_at, resolved_at=resolved_at, store=store,
            team_stores=tuple(team_stores or ()), order_refs=tuple(refs.get(pk, ())), reopens=reopens,
            bot_replied=Author.BOT in authors.get(pk, ()), agent_replied=Author.AGENT in authors.get(pk, ())))
    return out


def message_touches(*, customer_ids: list[str], until: dt.datetime | None = None) -> list[MessageTouch]:
    """Where and when these customers wrote to us: one touch per conversation and channel, oldest first."""
    rows = list(Conversation.objects.filter(customer_id__in=customer_ids).values_list("pk", "public_id", "customer_id"))
    firsts = _first_inbound([row[0] for row in rows])
    touches = [MessageTouch(customer_id=customer_id, conversation_id=public_id, channel=channel, at=at)
               for pk, public_id, customer_id in rows for channel, at in firsts.get(pk, [])
               if until is None or at < until]
    return sorted(touches, key=lambda t: (t.at, t.conversation_id))


# --- invariants (web.invariants: after a restore, a drill) ------------------------------------------


def message_figures() -> dict[str, int]:
    """How many conversations and messages are stored, inbound apart (invariants' counts)."""
    return {"conversations": Conversation.objects.count(), "messages": Message.objects.count(),
            "messages_in": Message.objects.filter(direction=Direction.IN).count()}


def message_problems() -> list[str]:
    """Every way the threads could be wrong; [] when sound. Each inbound message a provider delivered
    (its channel and provider id) is stored once, in a conversation of a customer, and a customer has
    at most one active conversation (the constraints say so too: this checks what a restore or a
    drill left, constraints included)."""
    twice = (Message.objects.filter(direction=Direction.IN).exclude(external_id="").values("channel", "external_id")
             .annotate(n=Count("pk")).filter(n__gt=1).order_by("channel", "external_id")[:50])
    problems = [f"{row['channel']} message {row['external_id']} stored {row['n']} times" for row in twice]
    problems += [f"message {public_id} is in conversation {conversation} of no customer" for public_id, conversation in
                 Message.objects.filter(direction=Direction.IN, conversation__customer_id="")
                 .values_list("public_id", "conversation__public_id").order_by("pk")[:50]]
    active = (Conversation.objects.filter(status__in=ACTIVE_STATUSES).values("customer_id").annotate(n=Count("pk"))
              .filter(n__gt=1).order_by("customer_id")[:50])
    problems += [f"customer {row['customer_id']} has {row['n']} active conversations" for row in active]
    return problems

"""The conversations API (../shared/API.md, Conversations): parse, call one service, answer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from omnicanal.conversations import queries, roles, services
from omnicanal.conversations.contract import (
    CHANNELS,
    GENERIC_CHANNELS,
    IdentityRef,
    InboundMessage,
    known_inbound_channel,
)
from omnicanal.conversations.models import Conversation, Message, Ticket
from omnicanal.conversations.services import ReplyWindowClosed
from omnicanal.core.auth import Principal
from omnicanal.core.auth import require_role as _require_role
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.openapi import errors

router = Router(tags=["conversations"])

CHANNEL = r"^[a-z][a-z0-9_]{0,19}$"
SCOPE = "conversations"  # what an integration key needs for anything here (core.auth scopes)


def require_role(request, *roles: str) -> Principal:
    return _require_role(request, *roles, scope=SCOPE)


class InboundIdentityIn(Schema):
    kind: str = Field(min_length=1, max_length=20, examples=["whatsapp"])
    value: str = Field(min_length=1, max_length=200)
    verified: bool = False


class InboundIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "channel": "marketplace", "identities": [{"kind": "marketplace", "value": "mlc-buyer-88231"},
                                                 {"kind": "email", "value": "ana.rojas@gmail.com"}],
        "text": "Hola, ¿la parka Andes Pro viene en talla M?", "external_id": "mlc-q-5521907",
        "name": "Ana Rojas", "language": "es"}]})

    channel: str = Field(pattern=CHANNEL, examples=["marketplace"])
    identities: list[InboundIdentityIn] = Field(min_length=1, max_length=20)
    text: str = Field(default="", max_length=20000)
    external_id: str = Field(default="", max_length=255)
    name: str = Field(default="", max_length=200)
    language: str = Field(default="", pattern=r"^([a-z]{2})?$")


class InboundOut(Schema):
    conversation_id: str
    customer_id: str
    message_id: str
    duplicate: bool


class MessageOut(Schema):
    id: str
    at: dt.datetime
    direction: Literal["in", "out"]
    channel: str
    text: str
    author: str
    kind: str
    status: str
    private: bool
    attachments: list[str]


class TicketOut(Schema):
    id: str
    number: str
    category: str
    subject: str
    status: str
    order_ref: str
    return_ref: str
    first_response_due: dt.datetime | None
    next_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    breached: list[str]


class ConversationOut(Schema):
    id: str
    customer_id: str
    status: str
    priority: str
    assignee: str | None
    team: str | None
    channel: str
    subject: str
    tags: list[str]
    last_message_at: dt.datetime | None
    bot: str = Field(description="active: the bot answers; handed_off: a person does (docs/bot.md)")
    ticket: TicketOut | None = None
    messages: list[MessageOut] = []


class ListOut(Schema):
    items: list[ConversationOut]


class ReplyIn(Schema):
    text: str = Field(default="", max_length=100_000)
    channel: str | None = Field(default=None, pattern=CHANNEL)
    private: bool = False
    template: dict | None = None


class AssignIn(Schema):
    assignee: str | None = Field(default=None, max_length=150, description="a staff username; null unassigns")
    team: str | None = Field(default=None, max_length=50)


class SnoozeIn(Schema):
    until: dt.datetime


class TicketIn(Schema):
    category: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", examples=["delivery"])
    subject: str = Field(default="", max_length=200)
    order_ref: str = Field(default="", max_length=40)
    return_ref: str = Field(default="", max_length=40)


class TicketStatusIn(Schema):
    status: Literal["new", "open", "pending", "solved", "closed"]


def message_out(message: Message) -> dict:
    return {
        "id": message.public_id, "at": message.created_at, "direction": message.direction, "channel": message.channel,
        "text": message.text, "author": message.author, "kind": message.kind, "status": message.status,
        "private": message.private, "attachments": [a.filename for a in message.attachments.all()],
    }


def ticket_out(ticket: Ticket | None) -> dict | None:
    if ticket is None:
        return None
    return {
        "id": ticket.public_id, "number": ticket.display_number, "category": ticket.category, "subject": ticket.subject,
        "status": ticket.status, "order_ref": ticket.order_ref, "return_ref": ticket.return_ref,
        "first_response_due": ticket.first_response_due, "next_response_due": ticket.next_response_due,
        "resolution_due": ticket.resolution_due, "breached": list(ticket.breached),
    }


def conversation_out(conversation: Conversation, *, messages: bool = False, include_private: bool = True) -> dict:
    """`include_private=False` leaves internal notes out (never shown to integration keys)."""
    body = {
        "id": conversation.public_id, "customer_id": conversation.customer_id, "status": conversation.status,
        "priority": conversation.priority,
        "assignee": conversation.assignee.get_username() if conversation.assignee_id else None,
        "team": conversation.team.slug if conversation.team_id else None, "channel": conversation.last_channel,
        "subject": conversation.subject, "tags": sorted(t.name for t in conversation.tags.all()),
        "last_message_at": conversation.last_message_at, "bot": conversation.bot,
    }
    if messages:
        body["ticket"] = ticket_out(queries.current_ticket(conversation))
        body["messages"] = [message_out(m) for m in queries.thread(conversation, include_private=include_private)]
    return body


@router.post("/messages/inbound", response={202: InboundOut}, summary="A message from a generic channel")
def inbound(request, body: InboundIn):
    """A message from a channel without its own webhook (a marketplace's buyer question, the app's chat). The
    identities resolve to one customer (created or merged as needed) and the message joins that customer's
    one open conversation; a repeated `external_id` on the same channel is stored once (`duplicate: true`).
    An unknown `channel` is refused with a field error."""
    require_role(request, *roles.INBOUND)
    if not known_inbound_channel(body.channel):
        raise ValidationFailed.on("channel", _("unknown channel; one of: %(names)s") % {
            "names": ", ".join(sorted({*CHANNELS, *GENERIC_CHANNELS}))})
    message = InboundMessage(
        channel=body.channel, identities=tuple(IdentityRef(i.kind, i.value, i.verified) for i in body.identities),
        text=body.text, external_id=body.external_id, name=body.name, language=body.language,
        address=body.identities[0].value,
    )
    received = services.do_receive_message(inbound=message)
    return Status(202, {"conversation_id": received.conversation.public_id, "customer_id": received.customer_id,
                        "message_id": received.message.public_id, "duplicate": received.duplicate})


@router.get("/conversations", response=ListOut, summary="Conversations, newest activity first")
def list_conversations(
    request,
    status: Literal["open", "snoozed", "resolved", "active", "all"] = "active",
    view: Literal["all", "mine", "unassigned", "team", "sla"] = "all",
    channel: str = Query("", pattern=r"^([a-z][a-z0-9_]{0,19})?$"),
    customer_id: str = Query("", max_length=40),
    limit: int = Query(50, ge=1, le=200),
):
    """Conversations, newest activity first: by status (active: open or snoozed), a staff member's view (mine,
    unassigned, team, sla at risk), channel or customer."""
    principal = require_role(request, *roles.READ)
    user = request.user if principal.kind == "user" else None
    if customer_id:
        rows = [c for c in queries.conversations_of(customer_id, limit=limit) if status in ("all", "active") or c.status == status]
    else:
        rows = queries.inbox(user, queries.InboxFilter(view=view if user else "all", status=status, channel=channel), limit=limit)
    return {"items": [conversation_out(c) for c in rows]}


@router.get("/conversations/{conversation_id}", response=ConversationOut, summary="One conversation with its messages")
def get_conversation(request, conversation_id: str):
    """The conversation with its messages across every channel, oldest first, and its open ticket with the SLA
    due times and the timers breached. Internal notes are never shown to integration keys."""
    principal = require_role(request, *roles.READ)
    # internal notes are staff's own words: never to an integration, whatever its scopes
    return conversation_out(queries.get_conversation(conversation_id), messages=True,
                            include_private=not principal.is_integration)


@router.post("/conversations/{conversation_id}/messages", response={201: MessageOut, **errors(ReplyWindowClosed)},
             summary="Reply (on `channel`, else where the customer last wrote) or add an internal note")
def reply(request, conversation_id: str, body: ReplyIn):
    """Sends a reply on `channel`, or on the channel the customer last wrote from; another channel needs an
    address and transactional consent, and a channel with a reply window (WhatsApp, Instagram, Messenger)
    takes free text only within 24 h (409 `reply-window-closed`, send a `template`). `private: true` adds an
    internal note instead, never sent."""
    principal = require_role(request, *roles.ANSWER)
    conversation = queries.get_conversation(conversation_id)
    user = request.user if principal.kind == "user" else None
    if body.private:
        message = services.do_add_note(conversation=conversation, text=body.text, actor=principal, user=user)
    else:
        message = services.do_reply(conversation=conversation, text=body.text, channel=body.channel, actor=principal,
                                    user=user, template=body.template)
    return Status(201, message_out(message))


@router.post("/conversations/{conversation_id}/assign", response=ConversationOut, summary="Assign to a staff member or team")
def assign(request, conversation_id: str, body: AssignIn):
    """Assigns the conversation to a staff member (by username; null unassigns) and/or moves it to a team (by
    its slug). The assignee is told in the console."""
    principal = require_role(request, *roles.ANSWER)
    assignee_id = None
    if body.assignee:
        user = get_user_model().objects.filter(username=body.assignee).first()
        if user is None:
            raise ValidationFailed.on("assignee", "unknown staff member")
        assignee_id = user.pk
    conversation = services.do_assign(conversation=conversation_id, actor=principal, assignee_id=assignee_id,
                                      team_slug=body.team)
    return conversation_out(queries.get_conversation(conversation.public_id))


@router.post("/conversations/{conversation_id}/resolve", response=ConversationOut, summary="Resolve")
def resolve(request, conversation_id: str):
    """Resolves the conversation; the customer may be asked for their satisfaction, and writing again reopens
    it."""
    principal = require_role(request, *roles.ANSWER)
    services.do_resolve(conversation=queries.get_conversation(conversation_id), actor=principal)
    return conversation_out(queries.get_conversation(conversation_id))


@router.post("/conversations/{conversation_id}/reopen", response=ConversationOut, summary="Reopen")
def reopen(request, conversation_id: str):
    """Reopens a resolved conversation (it goes back to the inbox, assignee kept)."""
    principal = require_role(request, *roles.ANSWER)
    services.do_reopen(conversation=queries.get_conversation(conversation_id), actor=principal)
    return conversation_out(queries.get_conversation(conversation_id))


@router.post("/conversations/{conversation_id}/return-to-bot", response=ConversationOut,
             summary="Give the conversation back to the bot (after a hand-off)")
def return_to_bot(request, conversation_id: str):
    """After a hand-off, the agent gives the conversation back to the bot: it answers the customer's
    next message again (`bot: "active"`)."""
    principal = require_role(request, *roles.ANSWER)
    services.do_return_to_bot(conversation=queries.get_conversation(conversation_id), actor=principal)
    return conversation_out(queries.get_conversation(conversation_id))


@router.post("/conversations/{conversation_id}/snooze", response=ConversationOut, summary="Snooze until a time")
def snooze(request, conversation_id: str, body: SnoozeIn):
    """Hides the conversation from the active inbox until `until`, when a periodic task wakes it."""
    principal = require_role(request, *roles.ANSWER)
    services.do_snooze(conversation=queries.get_conversation(conversation_id), until=body.until, actor=principal)
    return conversation_out(queries.get_conversation(conversation_id))


@router.post("/conversations/{conversation_id}/tickets", response={201: TicketOut}, summary="Open a numbered ticket")
def open_ticket(request, conversation_id: str, body: TicketIn):
    """Opens a numbered ticket (T-10001…) on the conversation, in a category, with an optional order or return
    reference; its SLA timers start from the team's policy, in business hours. An open ticket already there
    is answered as it is."""
    principal = require_role(request, *roles.ANSWER)
    ticket = services.do_open_ticket(conversation=queries.get_conversation(conversation_id), category=body.category,
                                     subject=body.subject, order_ref=body.order_ref, return_ref=body.return_ref,
                                     actor=principal)
    return Status(201, ticket_out(ticket))


@router.get("/tickets", response=list[TicketOut], summary="Tickets (unsolved by default)")
def list_tickets(request, status: Literal["unsolved", "new", "open", "pending", "solved", "closed"] = "unsolved"):
    """Tickets by status (unsolved: new, open and pending), with their SLA due times and breached timers."""
    require_role(request, *roles.READ)
    return [ticket_out(t) for t in queries.tickets(status=status)]


@router.put("/tickets/{ticket_id}", response={200: TicketOut, **errors(InvalidTransition)}, summary="Move a ticket: new, open, pending, solved, closed")
def set_ticket_status(request, ticket_id: str, body: TicketStatusIn):
    """Moves a ticket: new → open, pending or solved; open ↔ pending → solved → closed, or back to open.
    Pending pauses its SLA timers (the business minutes left are kept) until the customer answers or it is
    opened again. Any other step is 409 `invalid-transition`."""
    principal = require_role(request, *roles.ANSWER)
    if not Ticket.objects.filter(public_id=ticket_id).exists():
        raise NotFound(detail=f"No ticket {ticket_id}.")
    return ticket_out(services.do_set_ticket_status(ticket=ticket_id, status=body.status, actor=principal))

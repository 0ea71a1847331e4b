"""Facts of the conversations domain, past tense. Topics read "conversations.<ClassName>".

Payloads carry ids, channels and counts, never message text: events may leave for other systems.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MessageReceived:
    message_id: str
    conversation_id: str
    customer_id: str
    channel: str
    inbox_id: str
    author: str
    assignee_id: str  # staff user id as text, "" when unassigned
    team: str
    new_conversation: bool
    reopened: bool


@dataclass(frozen=True)
class InboundAccepted:
    """A webhook's message was acknowledged and kept (an InboundDelivery row): the worker stores it
    in the customer's conversation, then MessageReceived follows. `lane`: the store step's partition,
    by sender (core.lanes: one sender's messages in one lane, in order)."""

    delivery_id: int
    channel: str
    lane: int = 0


@dataclass(frozen=True)
class ConversationOpened:
    conversation_id: str
    customer_id: str
    channel: str


@dataclass(frozen=True)
class MessageSent:
    """An agent, bot or the system wrote to the customer; the channels app delivers it after commit."""

    message_id: str
    conversation_id: str
    customer_id: str
    channel: str
    inbox_id: str
    author: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class NoteAdded:
    message_id: str
    conversation_id: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class DeliveryUpdated:
    message_id: str
    conversation_id: str
    channel: str
    status: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class ConversationAssigned:
    conversation_id: str
    assignee_id: str
    previous_assignee_id: str
    team: str
    by: str  # "round_robin", or the staff member


@dataclass(frozen=True)
class ConversationResolved:
    conversation_id: str
    customer_id: str
    assignee_id: str
    team: str
    channel: str  # the channel the customer last used


@dataclass(frozen=True)
class ConversationReopened:
    conversation_id: str
    customer_id: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class ConversationRouted:
    """Staff or an integration changed what routes the conversation (the store it is about, a skill, a language)."""

    conversation_id: str
    store: str
    skill: str
    language: str


@dataclass(frozen=True)
class ConversationMerged:
    """A customers' merge moved this (emptied, now resolved) conversation's messages and tickets into another."""

    conversation_id: str
    into_conversation_id: str


@dataclass(frozen=True)
class ConversationSnoozed:
    conversation_id: str
    until: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class TicketOpened:
    ticket_id: str
    number: str
    conversation_id: str
    customer_id: str
    category: str
    order_ref: str
    return_ref: str


@dataclass(frozen=True)
class TicketLinked:
    """An order or return reference recorded on a ticket that was already open."""

    ticket_id: str
    number: str
    conversation_id: str
    order_ref: str
    return_ref: str


@dataclass(frozen=True)
class TicketStatusChanged:
    ticket_id: str
    number: str
    conversation_id: str
    status: str


@dataclass(frozen=True)
class SlaWarning:
    ticket_id: str
    number: str
    conversation_id: str
    timer: str  # first_response, next_response, resolution
    due_at: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class SlaBreached:
    ticket_id: str
    number: str
    conversation_id: str
    timer: str
    due_at: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class TicketEscalated:
    ticket_id: str
    number: str
    conversation_id: str
    timer: str


@dataclass(frozen=True)
class ConversationHandedOff:
    """The bot stepped back: a person answers from now on (`reason`: human, low_confidence, ...)."""

    conversation_id: str
    reason: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class ConversationReturnedToBot:
    conversation_id: str
    by: str
    assignee_id: str
    team: str


@dataclass(frozen=True)
class CsatRequested:
    conversation_id: str
    message_id: str
    channel: str


@dataclass(frozen=True)
class CsatRecorded:
    conversation_id: str
    customer_id: str
    score: int
    channel: str

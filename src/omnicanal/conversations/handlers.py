"""Reactions of the conversations domain: live pushes to consoles, the satisfaction question after
resolution, and conversations' part in customers' merge, export, erasure and single view."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import events, push, queries
from omnicanal.conversations.services import do_ask_csat, do_erase_conversations, do_move_conversations
from omnicanal.conversations.services.accept import inbound_lanes, store_accepted
from omnicanal.conversations.services.privacy import do_scrub_conversations, export_conversations
from omnicanal.core import outbox
from omnicanal.customers import registry

# MessageReceived is pushed by the service that stores the message, right after its commit
# (services/receive.py, services/accept.py): as an outbox handler it waited behind the topic's other
# batch handlers (the bot's turn, the sentiment of feedback), seconds at 100 messages/s.
PUSHED = (
    events.MessageSent, events.NoteAdded, events.DeliveryUpdated, events.ConversationAssigned,
    events.ConversationResolved, events.ConversationReopened, events.ConversationSnoozed, events.TicketOpened,
    events.TicketStatusChanged, events.SlaWarning, events.SlaBreached, events.ConversationHandedOff,
    events.ConversationReturnedToBot,
)


def push_to_consoles(event: outbox.Envelope) -> None:
    # After the handler's commit, with the other pushes of its transaction: a chunk of the reactions'
    # events (dispatch_many) is one channel-layer message, not one per event (conversations.push).
    push.push_after_commit(event.topic, event.payload)


for _event in PUSHED:
    outbox.handles(_event)(push_to_consoles)


# priority: an agent waits on the push that follows the store; the bot's turn and sentiment can wait
# (core.priority; docs/inbox.md, "Where a message is stored").
# lanes: two drains at once, each on its senders' messages, in order (core.lanes; docs/inbox.md).
@outbox.handles(events.InboundAccepted, batch=True, priority=True, lanes=inbound_lanes())
def store_accepted_messages(batch: list[outbox.Envelope]) -> None:
    """The webhook kept these deliveries; store them as messages, in the order they came (the
    worker's priority lane, a batch per transaction: services/accept.py)."""
    store_accepted([event["delivery_id"] for event in batch])


@outbox.handles(events.ConversationResolved)
def ask_satisfaction(event: outbox.Envelope) -> None:
    do_ask_csat(conversation=event["conversation_id"])


# --- the customers registry ----------------------------------------------------------------


@registry.on_merge
def move_conversations(*, survivor_id: str, merged_id: str) -> None:
    do_move_conversations(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_export("conversations")
def export(customer_id: str) -> list[dict]:
    return export_conversations(customer_id)


@registry.on_erase
def erase(*, customer_id: str) -> None:
    do_erase_conversations(customer_id=customer_id)


@registry.on_scrub
def scrub(*, customer_ids: list[str], traces) -> None:
    do_scrub_conversations(traces=traces)


def open_conversation(customer_id: str) -> dict | None:
    conversation = queries.open_conversation_of(customer_id)
    if conversation is None:
        return None
    return {
        "id": conversation.public_id,
        "status": conversation.status,
        "channel": conversation.last_channel,
        "assignee": conversation.assignee.get_username() if conversation.assignee_id else None,
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
    }


registry.register_summary(section="open_conversation", provider=open_conversation)


def render_panel(request, customer_id: str) -> str:
    from omnicanal.conversations.contract import CHANNELS

    rows = [{"c": c, "channel": CHANNELS[c.last_channel].label if c.last_channel in CHANNELS else c.last_channel}
            for c in queries.conversations_of(customer_id, limit=8)]
    # times in the reader's zone, activated for every request (core.local_time)
    return render_to_string("conversations/_customer_panel.html", {"conversations": rows}, request=request)


registry.register_panel(name="conversations", label=_("Conversations"), render=render_panel, order=20)

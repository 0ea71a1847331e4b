"""Analytics' reactions to conversations' events, by topic name (it never imports conversations'
events): each recounts the conversations named (conversation_rollups.do_recount_conversation).

Batched, in the worker: the inbound and reply paths never wait for analytics, and a batch recounts
each conversation once however many of its events it holds (a recount reads the conversation's
facts as they are, so the events' order does not matter)."""

from __future__ import annotations

from omnicanal.analytics import conversation_rollups
from omnicanal.core import outbox

# Every event after which a conversation may count differently: its first message and channel (a
# new conversation's ConversationOpened comes with its MessageReceived, in the same commit), a
# person's or the bot's reply, a resolution or reopening, the store, order or team that decide its
# location, a merge that moved its messages.
TOPICS = ("conversations.MessageReceived", "conversations.MessageSent",
          "conversations.ConversationResolved", "conversations.ConversationReopened",
          "conversations.ConversationAssigned", "conversations.ConversationRouted", "conversations.TicketOpened",
          "conversations.TicketLinked", "conversations.ConversationMerged")


def recount_conversations(batch: list[outbox.Envelope]) -> None:
    named = {event["conversation_id"] for event in batch}
    named |= {event.payload["into_conversation_id"] for event in batch if event.payload.get("into_conversation_id")}
    conversation_rollups.do_recount_conversations(conversation_ids=named)


for _topic in TOPICS:
    outbox.handles(_topic, batch=True)(recount_conversations)

"""The bot's reactions: it answers customers' messages after their commit and forgets a
conversation's context when the conversation is resolved (conversations' events, by topic)."""

from __future__ import annotations

from omnicanal.bot import dialogue, services
from omnicanal.core import outbox


@outbox.handles("conversations.MessageReceived")
def answer_the_customer(event: outbox.Envelope) -> None:
    if event["author"] != "customer":
        return
    dialogue.respond(event["message_id"])


@outbox.handles("conversations.ConversationResolved")
def forget_the_context(event: outbox.Envelope) -> None:
    services.do_forget(conversation_id=event["conversation_id"])

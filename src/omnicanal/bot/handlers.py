"""The bot's reactions: it answers customers' messages after their commit and forgets a
conversation's context when the conversation is resolved (conversations' events, by topic)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.db import transaction

from omnicanal.bot import dialogue, queries, services
from omnicanal.conversations import queries as conversations
from omnicanal.core import outbox
from omnicanal.core.errors import Problem

log = logging.getLogger(__name__)


@outbox.handles("conversations.MessageReceived", batch=True)
def answer_the_customers(batch: list[outbox.Envelope]) -> None:
    """In the worker, several messages at a time (oldest first: a conversation's turns in order).
    The batch's turns are read in one query and each inbox's settings once; a conversation's later
    message in the batch is read again (the bot's answer to the earlier one may have handed it to
    a person)."""
    turns = conversations.bot_turns([e["message_id"] for e in batch if e["author"] == "customer"])
    settings_for = functools.cache(queries.settings_for)
    answered: set[str] = set()
    for event in batch:
        turn = turns.get(event["message_id"])
        if turn is not None and turn.conversation_id in answered:
            turn = None
        answer_the_customer(event, turn, settings_for)
        if turn is not None:
            answered.add(turn.conversation_id)


def answer_the_customer(event: outbox.Envelope, turn: conversations.BotTurn | None = None,
                        settings_for: Callable[[str], queries.Settings] = queries.settings_for) -> None:
    if event["author"] != "customer":
        return
    try:
        with transaction.atomic():  # an answer the reply path refuses leaves nothing half-written
            dialogue.respond(event["message_id"], turn, settings_for)
    except Problem as problem:
        # A refusal (the channel's window closed, the text too long for it) does not get better by
        # retrying: the message waits for a person like any other.
        log.warning("bot: no answer to %s: %s", event["message_id"], problem)


@outbox.handles("conversations.ConversationResolved")
def forget_the_context(event: outbox.Envelope) -> None:
    services.do_forget(conversation_id=event["conversation_id"])

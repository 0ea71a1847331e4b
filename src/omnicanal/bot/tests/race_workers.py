"""Bodies of the bot's race test (test_race.py), run in fresh processes by core.testing.run_together.

Importing this module warms the process up (the bot's model, the database connection) before the
barrier releases both processes, so that their agreed instants mean the same thing in each."""

from __future__ import annotations

import time

from django.db import connection

from omnicanal.bot import nlu

nlu.parse("hola")
connection.ensure_connection()

SPACING = 0.9  # seconds between rounds: each round's turn and reply are over before the next starts
LEAD = 0.3  # seconds from the barrier to the first round


def _sleep_until(at: float) -> None:
    time.sleep(max(0.0, at - time.time()))


def bot_turns(message_ids: list[str], offsets: tuple[float, ...]) -> int:
    """The bot's reaction to each inbound message: the outbox handler itself, at each round's start."""
    from omnicanal.bot import handlers

    start = time.time() + LEAD
    for i, message_id in enumerate(message_ids):
        _sleep_until(start + i * SPACING)
        handlers.answer_the_customer({"author": "customer", "message_id": message_id})
    return len(message_ids)


def agent_replies(conversation_ids: list[str], username: str, offsets: tuple[float, ...]) -> int:
    """An agent answers each conversation as the inbox's reply form does, `offsets[i]` after the bot."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from omnicanal.conversations import services
    from omnicanal.core.auth import principal_for_user

    user = get_user_model().objects.get(username=username)
    actor = principal_for_user(user)
    start = time.time() + LEAD
    for i, conversation_id in enumerate(conversation_ids):
        _sleep_until(start + i * SPACING + offsets[i])
        with transaction.atomic():
            services.do_reply(conversation=conversation_id, text="Hola, soy Valentina; te ayudo yo.", actor=actor,
                              user=user)
    return len(conversation_ids)

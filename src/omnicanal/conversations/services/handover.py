"""Who answers a conversation: the bot or a person (the `bot` field; docs/bot.md, Where state lives).

The bot domain reads the field through queries.bot_turn and changes it through these services; an
agent's reply (reply.do_send) hands the conversation to a person by itself and resolving it gives it
back to the bot (workflow.do_resolve), so the bot is silent exactly while a person handles it.
"""

from __future__ import annotations

from omnicanal.conversations import locks
from omnicanal.conversations.events import ConversationHandedOff, ConversationReturnedToBot
from omnicanal.conversations.models import BotState, Conversation
from omnicanal.conversations.services.common import assignee_key, conversation_of, team_key
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal


def do_hand_to_person(*, conversation: Conversation | str, reason: str = "") -> Conversation:
    """The bot steps back: the conversation waits for a person (status stays open)."""
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if conversation.bot == BotState.HANDED_OFF:
        return conversation
    now = clock.now()
    conversation.bot = BotState.HANDED_OFF
    conversation.waiting_since = conversation.waiting_since or now
    conversation.updated_at = now
    conversation.save(update_fields=["bot", "waiting_since", "updated_at"])
    outbox.emit(ConversationHandedOff(conversation_id=conversation.public_id, reason=reason[:40],
                                      assignee_id=assignee_key(conversation), team=team_key(conversation)))
    return conversation


def do_return_to_bot(*, conversation: Conversation | str, actor: Principal) -> Conversation:
    """An agent gives the conversation back to the bot."""
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if conversation.bot == BotState.ACTIVE:
        return conversation
    conversation.bot = BotState.ACTIVE
    conversation.updated_at = clock.now()
    conversation.save(update_fields=["bot", "updated_at"])
    outbox.emit(ConversationReturnedToBot(conversation_id=conversation.public_id, by=actor.name[:150],
                                          assignee_id=assignee_key(conversation), team=team_key(conversation)))
    return conversation

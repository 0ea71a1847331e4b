"""Issue 16 item 4 under concurrency: an agent's reply and a bot turn racing on the same conversation,
in separate processes on PostgreSQL. The bot never answers after (or alongside) the agent's reply,
and the conversation's state stays consistent: handed to a person, every message counted.

Both processes warm up first (the bot's model, the database connection) and then act at agreed
wall-clock instants, the agent a little earlier or later in each round, so that the rounds cover
the bot deciding while the agent commits and the agent writing while the bot holds the row."""

from __future__ import annotations

import pytest

from omnicanal.conversations.models import Conversation, Message
from omnicanal.core.testing import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Per round, the agent acts this many seconds after the bot's turn starts (negative: before it).
OFFSETS = (-0.05, -0.01, 0.0, 0.0, 0.003, 0.006, 0.01, 0.02, 0.04, 0.08, 0.3, 0.6)


def test_the_bot_never_answers_after_an_agent_and_the_handoff_stays_consistent(whatsapp, wa_inbox, agent):
    from omnicanal.bot import services as bot
    from omnicanal.core.auth import SYSTEM

    bot.do_save_settings(inbox_id=wa_inbox.public_id, enabled=False, actor=SYSTEM)  # the messages wait unanswered
    senders = [f"5698800{i:04d}" for i in range(len(OFFSETS))]
    for sender in senders:
        assert whatsapp("hola", sender=sender) == []
    bot.do_save_settings(inbox_id=wa_inbox.public_id, enabled=True, actor=SYSTEM)
    conversations = list(Conversation.objects.order_by("pk"))
    inbound = [Message.objects.get(conversation=c, direction="in").public_id for c in conversations]
    results = run_together([("omnicanal.bot.tests.race_workers:bot_turns", (inbound, OFFSETS)),
                            ("omnicanal.bot.tests.race_workers:agent_replies",
                             ([c.public_id for c in conversations], agent.username, OFFSETS))])
    assert results == [len(OFFSETS), len(OFFSETS)]

    answered_first = 0
    for c in Conversation.objects.order_by("pk"):
        sent = list(Message.objects.filter(conversation=c, direction="out", private=False).order_by("created_at", "pk"))
        authors = [m.author for m in sent]
        assert authors.count("agent") == 1, authors
        # whatever the bot said, it said before the agent's reply, never after or in its place
        assert authors[-1] == "agent", authors
        assert all(m.created_at <= sent[-1].created_at for m in sent)
        answered_first += authors[0] == "bot"
        assert c.bot == "handed_off"
        assert c.message_count == Message.objects.filter(conversation=c, private=False).count()
        assert c.first_response_at == sent[-1].created_at  # the person's answer, not the bot's
    # both orders happened: the test raced, it did not just run one after the other
    assert 0 < answered_first < len(OFFSETS)

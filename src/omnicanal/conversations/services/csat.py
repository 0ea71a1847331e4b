"""Customer satisfaction: one question after resolution, on the channel the customer used, only
inside that channel's reply window, at most once per conversation; a bare 1–5 answers it."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks, registry
from omnicanal.conversations.events import CsatRecorded, CsatRequested
from omnicanal.conversations.models import Author, Conversation, Message, Status
from omnicanal.conversations.services.common import conversation_of
from omnicanal.conversations.services.reply import (
    UNDELIVERABLE,
    do_send,
    is_pull,
    last_inbound,
    reachable,
    window_open,
)
from omnicanal.core import clock, outbox

QUESTION = _("How would you rate the help you got? Reply with a number from 1 (bad) to 5 (excellent).")


def do_ask_csat(*, conversation: Conversation | str) -> Message | None:
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    channel = conversation.last_channel
    if (
        conversation.status != Status.RESOLVED
        or conversation.csat_asked_at is not None
        or not channel
        or channel in UNDELIVERABLE
        or is_pull(channel)
        or last_inbound(conversation, channel) is None
        or not window_open(conversation, channel)  # never outside the channel's reply window
        or not reachable(conversation, channel)  # an erased customer: nobody left to ask
        # the customer's survey budget (feedback's fatigue governor, through the registry), asked last
        or not registry.may_ask_csat(customer_id=conversation.customer_id, conversation_id=conversation.public_id)
    ):
        return None
    with translation.override(conversation.language or None):
        text = str(QUESTION)  # the lazy text, rendered in the customer's language
    message = do_send(conversation=conversation, text=text, channel=channel, author=Author.SYSTEM, kind="csat",
                      check_consent=False)
    Conversation.objects.filter(pk=conversation.pk).update(csat_asked_at=clock.now(), csat_channel=channel)
    outbox.emit(CsatRequested(conversation_id=conversation.public_id, message_id=message.public_id, channel=channel))
    return message


def record_csat(*, conversation: Conversation, score: int, channel: str) -> Conversation:
    if not 1 <= score <= 5 or conversation.csat_score is not None:
        return conversation
    Conversation.objects.filter(pk=conversation.pk).update(csat_score=score)
    conversation.csat_score = score
    outbox.emit(CsatRecorded(conversation_id=conversation.public_id, customer_id=conversation.customer_id, score=score,
                             channel=channel))
    return conversation

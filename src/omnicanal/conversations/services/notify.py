"""A transactional notification (an order is ready…) written into the customer's thread, so the
agent sees what the customer was told and the customer's answer lands next to it."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from omnicanal.conversations import locks
from omnicanal.conversations.models import ACTIVE_STATUSES, Author, Conversation, Message, Status
from omnicanal.conversations.services.reply import do_send
from omnicanal.core import clock


def _thread_for(customer_id: str) -> Conversation:
    """The open conversation, else the latest one, else a new one born resolved (a notification is
    not a question for the inbox; the customer's answer reopens it within the reopen window)."""
    active = locks.lock_active_conversation(customer_id)
    if active is not None:
        return active
    latest = Conversation.objects.filter(customer_id=customer_id).order_by("-last_message_at", "-pk").first()
    if latest is not None:
        return locks.lock_conversation(latest.pk)
    now = clock.now()
    try:
        with transaction.atomic():
            return Conversation.objects.create(customer_id=customer_id, status=Status.RESOLVED, created_at=now,
                                               updated_at=now, resolved_at=now, resolved_by="notification")
    except IntegrityError:
        return Conversation.objects.filter(customer_id=customer_id, status__in=ACTIVE_STATUSES).first()


def do_notify(*, customer_id: str, channel: str, text: str, template: dict | None = None, topic: str = "",
              subject: str = "", retry: dict | None = None, to: str = "", html: str = "") -> Message:
    """Raises like do_send (window closed, no address, no consent) so the caller can fall back.
    `retry` (the notifier's key, payload and channels tried) is kept so that a later delivery failure
    can be retried on another channel. `to` sends to that address instead of the customer's own (a
    receipt the customer asked for at the counter, to the address they typed). `html`: an email's HTML
    part (a marketing campaign's), kept beside the text in the message's meta."""
    conversation = _thread_for(customer_id)
    meta = {"notification": topic, **({"retry": retry} if retry else {})}
    if subject:
        meta["subject"] = subject
    if html:
        meta["html"] = html
    return do_send(conversation=conversation, text=text, channel=channel, author=Author.SYSTEM, template=template,
                   kind="notification", meta=meta, to=to)

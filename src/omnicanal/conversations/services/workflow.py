"""A conversation's life: snooze, wake, resolve, reopen, priority, tags, the visitor's email."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks
from omnicanal.conversations.events import (
    ConversationReopened,
    ConversationResolved,
    ConversationRouted,
    ConversationSnoozed,
)
from omnicanal.conversations.models import (
    ACTIVE_STATUSES,
    Author,
    BotState,
    Conversation,
    ConversationTag,
    Priority,
    Status,
)
from omnicanal.conversations.services.common import assignee_key, conversation_of, team_key
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Conflict, InvalidTransition, ValidationFailed
from omnicanal.customers.normalize import InvalidIdentity, normalize

TAG = re.compile(r"^[\w-]{1,40}$")


def do_snooze(*, conversation: Conversation | str, until: dt.datetime, actor: Principal) -> Conversation:
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if conversation.status == Status.RESOLVED:
        raise InvalidTransition(detail=str(_("A resolved conversation cannot be snoozed.")))
    if until <= clock.now():
        raise ValidationFailed.on("until", _("must be in the future"))
    conversation.status, conversation.snoozed_until, conversation.updated_at = Status.SNOOZED, until, clock.now()
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    outbox.emit(ConversationSnoozed(conversation_id=conversation.public_id, until=until.isoformat(),
                                    assignee_id=assignee_key(conversation), team=team_key(conversation)))
    return conversation


def do_wake_snoozed(*, now: dt.datetime | None = None) -> int:
    """Periodic: snoozed conversations whose time has come are open again."""
    now = now or clock.now()
    woken = 0
    for pk in list(Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now).values_list("pk", flat=True)):
        conversation = locks.lock_conversation(pk)
        if conversation.status != Status.SNOOZED:
            continue
        conversation.status, conversation.snoozed_until, conversation.updated_at = Status.OPEN, None, now
        conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
        outbox.emit(ConversationReopened(conversation_id=conversation.public_id, customer_id=conversation.customer_id,
                                         assignee_id=assignee_key(conversation), team=team_key(conversation)))
        woken += 1
    return woken


def do_resolve(*, conversation: Conversation | str, actor: Principal) -> Conversation:
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if conversation.status == Status.RESOLVED:
        return conversation
    now = clock.now()
    conversation.status, conversation.resolved_at, conversation.resolved_by = Status.RESOLVED, now, actor.name[:150]
    conversation.snoozed_until, conversation.waiting_since, conversation.updated_at = None, None, now
    conversation.bot = BotState.ACTIVE  # the bot answers again when the customer next writes
    conversation.save(update_fields=["status", "resolved_at", "resolved_by", "snoozed_until", "waiting_since",
                                     "bot", "updated_at"])
    outbox.emit(ConversationResolved(conversation_id=conversation.public_id, customer_id=conversation.customer_id,
                                     assignee_id=assignee_key(conversation), team=team_key(conversation),
                                     channel=conversation.last_channel))
    return conversation


def do_reopen(*, conversation: Conversation | str, actor: Principal) -> Conversation:
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if conversation.status in ACTIVE_STATUSES:
        return conversation
    if Conversation.objects.filter(customer_id=conversation.customer_id, status__in=ACTIVE_STATUSES).exists():
        raise Conflict(detail=str(_("The customer already has an open conversation.")))
    conversation.status, conversation.resolved_at, conversation.updated_at = Status.OPEN, None, clock.now()
    conversation.reopens += 1
    conversation.save(update_fields=["status", "resolved_at", "updated_at", "reopens"])
    outbox.emit(ConversationReopened(conversation_id=conversation.public_id, customer_id=conversation.customer_id,
                                     assignee_id=assignee_key(conversation), team=team_key(conversation)))
    return conversation


def do_set_priority(*, conversation: Conversation | str, priority: str, actor: Principal) -> Conversation:
    if priority not in Priority.values:
        raise ValidationFailed.on("priority", _("must be low, normal, high or urgent"))
    conversation = conversation_of(conversation)
    Conversation.objects.filter(pk=conversation.pk).update(priority=priority, updated_at=clock.now())
    conversation.priority = priority
    return conversation


def do_set_routing(*, conversation: Conversation | str, actor: Principal, store: str | None = None,
                   skill: str | None = None, language: str | None = None) -> Conversation:
    conversation = conversation_of(conversation)
    changes = {k: (v or "").strip()[:40] for k, v in {"store": store, "skill": skill, "language": language}.items() if v is not None}
    if changes:
        Conversation.objects.filter(pk=conversation.pk).update(**changes, updated_at=clock.now())
        for name, value in changes.items():
            setattr(conversation, name, value)
        outbox.emit(ConversationRouted(conversation_id=conversation.public_id, store=conversation.store,
                                       skill=conversation.skill, language=conversation.language))
    return conversation


def do_tag(*, conversation: Conversation | str, name: str, actor: Principal) -> ConversationTag:
    name = (name or "").strip().lower()
    if not TAG.match(name):
        raise ValidationFailed.on("tag", _("letters, digits, - and _ only, at most 40"))
    tag, _created = ConversationTag.objects.get_or_create(conversation=conversation_of(conversation), name=name)
    return tag


def do_untag(*, conversation: Conversation | str, name: str, actor: Principal) -> None:
    ConversationTag.objects.filter(conversation=conversation_of(conversation), name=(name or "").strip().lower()).delete()


def do_leave_email(*, conversation: Conversation | str, email: str, channel: str = "webchat") -> Conversation:
    """A web chat visitor left an email while nobody was online: the answer goes there.

    The address is typed, not proven: it becomes this conversation's reply address and nothing else.
    It is never attached to a customer nor matched against one (whoever holds it keeps their profile
    and history to themselves); staff see it, marked unverified, in the thread.
    """
    try:
        address = normalize("email", email)
    except InvalidIdentity as exc:
        raise ValidationFailed.on("email", exc.message) from exc
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    conversation.reply_channel = "email"
    conversation.reply_address = address
    conversation.updated_at = clock.now()
    conversation.save(update_fields=["reply_channel", "reply_address", "updated_at"])
    from omnicanal.conversations.models import Delivery, Direction, Message

    Message.objects.create(
        conversation=conversation, direction=Direction.OUT, channel="", author=Author.SYSTEM, kind="system", private=True,
        text="", meta={"event": "left_email", "from_channel": channel, "address": address, "verified": False}, status=Delivery.NOTE, created_at=clock.now(),
    )
    return conversation

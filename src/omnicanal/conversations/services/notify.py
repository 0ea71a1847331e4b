"""A transactional notification (an order is ready…) written into the customer's thread, so the
agent sees what the customer was told and the customer's answer lands next to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks
from omnicanal.conversations.events import MessageSent
from omnicanal.conversations.models import (
    ACTIVE_STATUSES,
    Author,
    Conversation,
    Delivery,
    Direction,
    Message,
    Status,
)
from omnicanal.conversations.services.common import ReplyWindowClosed, assignee_key, team_key
from omnicanal.conversations.services.reply import (
    UNDELIVERABLE,
    _check_text,
    _email_threading,
    _typed_address,
    do_send,
    is_pull,
    reply_channel,
    window_after,
)
from omnicanal.core import clock, outbox
from omnicanal.core.errors import Conflict, Problem, ValidationFailed
from omnicanal.customers import queries as customers


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


# --- many at once ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One notification of a batch (do_notify_many): what do_notify takes for one customer."""

    customer_id: str
    channel: str
    text: str
    template: dict | None = None
    subject: str = ""
    html: str = ""


def do_notify_many(*, notices: Sequence[Notice], topic: str = "") -> list[Message | Problem]:
    """do_notify for many customers in a few statements whatever their number (a campaign's chunk),
    in the caller's transaction: every rule of do_send is asked of each notice (the channel, the
    text, the address, the transactional consent, the reply window), read in bulk; what passes is
    written with one INSERT of messages, one of new threads, one UPDATE of the existing threads'
    counters and one of MessageSent events (the channels app delivers them after commit, as for
    do_notify). The answer is in the notices' order: the message written, or the Problem do_notify
    would have raised, with nothing written for that notice (the caller may fall back to another
    channel). Customer ids should be survivors (a merged id is asked one by one)."""
    if not notices:
        return []
    now = clock.now()
    threads = _threads_for(sorted({n.customer_id for n in notices}), now)
    last_in = _last_inbound_many([t.pk for t in threads.values() if t.pk], {n.channel for n in notices if n.channel})
    contacts = customers.contactable_many(list(threads), "transactional", {n.channel for n in notices if n.channel})
    answers: list[Message | Problem] = []
    for notice in notices:
        try:
            answers.append(_message(notice, threads[notice.customer_id], last_in, contacts, topic, now))
        except Problem as problem:
            answers.append(problem)
    _write(threads, [a for a in answers if isinstance(a, Message)], now)
    return answers


def _threads_for(customer_ids: list[str], now: dt.datetime) -> dict[str, Conversation]:
    """_thread_for for many customers: the open one, else the latest (read in one query, then the
    chosen threads locked in primary-key order, conversations' lock order); a customer without any
    gets a new thread born resolved, unsaved until a notice to them is written."""
    chosen: dict[str, int] = {}
    rows = (Conversation.objects.filter(customer_id__in=customer_ids).order_by("customer_id", "-last_message_at", "-pk")
            .values_list("pk", "customer_id", "status"))
    active: dict[str, int] = {}
    for pk, customer_id, status in rows:
        chosen.setdefault(customer_id, pk)  # the latest: the first in the database's own order
        if status in ACTIVE_STATUSES and (customer_id not in active or pk < active[customer_id]):
            active[customer_id] = pk
    chosen.update(active)
    locked = {c.customer_id: c for c in locks.lock_conversations(sorted(chosen.values()))} if chosen else {}
    return {customer_id: locked.get(customer_id) or Conversation(
        customer_id=customer_id, status=Status.RESOLVED, created_at=now, updated_at=now, resolved_at=now,
        resolved_by="notification") for customer_id in customer_ids}


def _last_inbound_many(conversation_pks: list[int], channels: set[str]) -> dict[tuple[int, str], Message]:
    """{(conversation pk, channel): last_inbound's answer} for many threads in one query."""
    if not conversation_pks or not channels:
        return {}
    latest = Window(RowNumber(), partition_by=[F("conversation_id"), F("channel")],
                    order_by=[F("created_at").desc(), F("pk").desc()])
    rows = (Message.objects.filter(conversation_id__in=conversation_pks, direction=Direction.IN, channel__in=channels)
            .annotate(rank=latest).filter(rank=1)
            .only("pk", "conversation_id", "channel", "address", "inbox_id", "meta", "created_at"))
    return {(m.conversation_id, m.channel): m for m in rows}


def _message(notice: Notice, conversation: Conversation, last_in: dict, contacts: dict, topic: str,
             now: dt.datetime) -> Message:
    """The unsaved message do_send would write for `notice` (a system notification), or its Problem."""
    chosen = reply_channel(conversation, notice.channel)
    if not chosen:
        raise ValidationFailed.on("channel", _("the customer has not written on any channel yet; pick one"))
    if chosen in UNDELIVERABLE:
        raise ValidationFailed.on("channel", _("cannot send a written message on this channel"))
    pull = is_pull(chosen)
    text = _check_text(chosen, notice.text, notice.template is not None)
    last = last_in.get((conversation.pk, chosen)) if conversation.pk else None
    contact = contacts.get(conversation.customer_id)
    address, inbox_id = _address_of(conversation, chosen, last, contact)
    if pull and last is None:
        raise ValidationFailed.on("channel", _("the customer has not written on this channel"))
    if not pull and not address:
        raise ValidationFailed.on("channel", _("the customer has no address on this channel"))
    if last is None and not (chosen in contact.allowed if contact is not None
                             else customers.may_contact(conversation.customer_id, chosen, "transactional")):
        raise Conflict(detail=str(_("The customer does not accept messages on this channel.")))
    if notice.template is None and not window_after(last, chosen, now):
        raise ReplyWindowClosed(detail=str(_("More than the channel's reply window has passed since the customer's last "
                                             "message there; send an approved template or use another channel.")))
    meta = {**_email_threading(last, conversation), "notification": topic}
    if notice.subject:
        meta["subject"] = notice.subject
    if notice.html:
        meta["html"] = notice.html
    if notice.template is not None:
        meta["template"] = notice.template
    return Message(conversation=conversation, direction=Direction.OUT, channel=chosen, inbox_id=inbox_id,
                   address=address, author=Author.SYSTEM, kind="notification", text=text, meta=meta,
                   status=Delivery.SENT if pull else Delivery.QUEUED, created_at=now, sent_at=now if pull else None)


def _address_of(conversation: Conversation, channel: str, last: Message | None, contact) -> tuple[str, str]:
    """do_send's (address, inbox id) from facts read in bulk (reply._address's order)."""
    typed = _typed_address(conversation, channel)
    if typed and conversation.reply_channel == channel:
        return typed, ""
    if last is not None and last.address:
        return last.address, last.inbox_id
    found = contact.addresses.get(channel) if contact is not None else customers.reachable_on(conversation.customer_id,
                                                                                                channel)
    return found or typed, ""


def _write(threads: dict[str, Conversation], messages: list[Message], now: dt.datetime) -> None:
    """The new threads (their counters set), the messages, the existing threads' counters, the events."""
    if not messages:
        return
    per_thread: dict[str, int] = {}
    for message in messages:
        per_thread[message.conversation.customer_id] = per_thread.get(message.conversation.customer_id, 0) + 1
    touched = [threads[c] for c in per_thread]
    for thread in touched:
        thread.last_message_at, thread.updated_at = now, now
        thread.message_count += per_thread[thread.customer_id]
    existing = [t for t in touched if t.pk is not None]
    Conversation.objects.bulk_create([t for t in touched if t.pk is None])
    Message.objects.bulk_create(messages)  # the new threads' keys are taken from them here
    if existing:
        Conversation.objects.bulk_update(existing, ["last_message_at", "updated_at", "message_count"])
    outbox.emit_many([MessageSent(
        message_id=m.public_id, conversation_id=m.conversation.public_id, customer_id=m.conversation.customer_id,
        channel=m.channel, inbox_id=m.inbox_id, author=Author.SYSTEM, assignee_id=assignee_key(m.conversation),
        team=team_key(m.conversation)) for m in messages])

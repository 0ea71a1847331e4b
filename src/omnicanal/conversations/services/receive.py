"""Inbound: a normalized message from any channel joins the customer's one conversation.

Order of work, all in the caller's transaction:
1. a provider id already stored on that channel -> the replay changes nothing;
2. the identities resolve to one customer (customers.do_identify: create, attach or merge);
3. the customer's open conversation takes the message; none open -> the last resolved one reopens
   when it was resolved within the reopen window, else a new conversation starts (and is routed);
4. MessageReceived leaves through the outbox (bot, feedback); the consoles are pushed after commit.
Two simultaneous first messages of one customer race on the "one open conversation" constraint;
the loser's insert fails inside a savepoint and it joins the winner's conversation.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from omnicanal.conversations import locks, push, rules
from omnicanal.conversations.contract import DELIVERY_ORDER, InboundMessage, StatusUpdate
from omnicanal.conversations.events import ConversationOpened, DeliveryUpdated, MessageReceived
from omnicanal.conversations.models import Author, Conversation, Delivery, Direction, Message, Status
from omnicanal.conversations.services.common import (
    assignee_key,
    note_refused_attachment,
    store_attachment,
    team_key,
)
from omnicanal.core import clock, outbox, uploads
from omnicanal.core import rows as core_rows
from omnicanal.core.errors import FileTooLarge, FileTypeRefused
from omnicanal.core.ids import external_key
from omnicanal.customers import services as customers

CSAT_ANSWERS = {"1", "2", "3", "4", "5"}

# Set by rows_together(): the new conversations and messages of the caller's batch not written yet.
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("inbound_rows", default=None)


@contextlib.contextmanager
def rows_together(returning: Sequence[str] = ()) -> Iterator[None]:
    """Many messages stored in one transaction with no savepoint that could roll one back (the
    worker's batch): their new conversations' rows and their messages' rows are written together
    when the batch ends, ONE statement on PostgreSQL (core.rows.insert_linked) instead of two per
    new customer's message, each composed apart (issue 23). Nothing in the batch reads them back
    before: a message that must look a conversation up writes the pending rows first (_flush),
    a message with files is written at once (its attachments need its key).

    `returning`: the batch's customers who existed before it. Their active conversations are
    locked in one query (primary-key order, locks.py) and those conversations' open tickets read
    in one more, instead of two ORM-composed queries per message. Held for the batch: a message
    never ends a conversation and only on_customer_message changes its ticket here (on the very
    instance kept), so what was read stays true; a customer without one goes the one-by-one way."""
    pending: dict = {"conversations": [], "messages": [], "active": {}, "tickets": {}}
    if returning:
        from omnicanal.conversations.services.tickets import open_tickets_of

        pending["active"] = locks.lock_active_conversations(list(returning))
        pending["tickets"] = open_tickets_of([c.pk for c in pending["active"].values()])
    token = _pending.set(pending)
    try:
        yield
        _flush()
    finally:
        _pending.reset(token)


def _flush() -> None:
    """Write the batch's pending rows (conversations first: the messages point at them)."""
    pending = _pending.get()
    if pending is not None and (pending["conversations"] or pending["messages"]):
        conversations, messages = pending["conversations"], pending["messages"]
        pending["conversations"], pending["messages"] = [], []
        core_rows.insert_linked(conversations, messages)


@dataclass
class Received:
    message: Message
    conversation: Conversation
    customer_id: str
    duplicate: bool = False
    new_conversation: bool = False
    reopened: bool = False
    csat_answer: bool = False


def _existing(channel: str, external_id: str) -> Message | None:
    if not external_id:
        return None
    return (Message.objects.select_related("conversation")
            .filter(channel=channel, external_id=external_key(external_id)).first())


def do_receive_message(*, inbound: InboundMessage, identified=None, push_after_commit: bool = True,
                       known_new: bool = False, first_of_new_customer: bool = False) -> Received:
    """Store one inbound message (idempotent on channel + external id).

    `identified`: the sender already resolved (customers.do_identify's result; the worker resolves a
    batch's senders in one call). `push_after_commit`: tell the consoles once this commits; the
    worker's batch pushes all its messages together instead (services/accept.py). `known_new`: the caller
    looked the provider id up already (the worker, for its whole batch); a concurrent store of the
    same id still loses on the Message's unique constraint below. `first_of_new_customer`: `identified`
    was created in the caller's transaction and this is its first message there, so it has no
    conversation and nobody else can open one (its id is not committed): with `known_new` the
    conversation's row is written once, whole, without looking for one first (the worker's batch).
    """
    existing = None if known_new else _existing(inbound.channel, inbound.external_id)
    if existing is not None:
        return Received(existing, existing.conversation, existing.conversation.customer_id, duplicate=True)
    if identified is None:
        traits = {"name": inbound.name, "language": inbound.language}
        identified = customers.do_identify(channel=inbound.channel, identities=list(inbound.identities),
                                           traits={k: v for k, v in traits.items() if v})
    customer_id = identified.customer_id
    now = clock.now()
    # a new customer's first message (the worker's batch): its conversation's row written once, whole
    fresh, assigned = first_of_new_customer and known_new, False
    if fresh:
        conversation = Conversation(customer_id=customer_id, status=Status.OPEN, created_at=now,
                                    language=inbound.language, store=inbound.store)
        _note_message(conversation, inbound, identified, now)
        from omnicanal.conversations.services.routing import choose_assignee

        assigned = choose_assignee(conversation, team_hint=inbound.team)  # routed before its one INSERT
        pending = _pending.get()
        if pending is not None:  # written with the batch's other rows (rows_together)
            pending["conversations"].append(_named(conversation))
        else:
            core_rows.insert([conversation])
        new, reopened = True, False
    elif (conversation := _batch_active(customer_id)) is not None:  # locked with the batch's others
        new, reopened = False, False
    else:
        _flush()  # the lookups below see this batch's conversations
        conversation, new, reopened = _conversation_for(customer_id, inbound, now)
    if not new and conversation.status == Status.RESOLVED and _is_csat_answer(conversation, inbound, now):
        message = _store(conversation, inbound, now, guard=not known_new)
        if message is None:
            existing = _existing(inbound.channel, inbound.external_id)
            return Received(existing, existing.conversation, customer_id, duplicate=True)
        from omnicanal.conversations.services.csat import record_csat

        record_csat(conversation=conversation, score=int(inbound.text.strip()), channel=inbound.channel)
        return Received(message, conversation, customer_id, csat_answer=True)
    if reopened or conversation.status == Status.SNOOZED:
        conversation.reopens += reopened
        conversation.status = Status.OPEN
        conversation.snoozed_until = None
        conversation.resolved_at = None
    message = _store(conversation, inbound, now, guard=not known_new)
    if message is None:  # a concurrent delivery of the same provider id won
        existing = _existing(inbound.channel, inbound.external_id)
        return Received(existing, existing.conversation, customer_id, duplicate=True)
    if not fresh:
        _note_message(conversation, inbound, identified, now)
        conversation.save(update_fields=NOTED)
    if not new:  # a conversation opened now has no ticket yet
        from omnicanal.conversations.services.tickets import on_customer_message

        pending = _pending.get()
        if pending is not None and conversation.pk in pending["tickets"]:  # read with the batch's others
            on_customer_message(conversation=conversation, at=now, ticket=pending["tickets"][conversation.pk])
        else:
            on_customer_message(conversation=conversation, at=now)
    if new:
        outbox.emit(ConversationOpened(conversation_id=conversation.public_id, customer_id=customer_id,
                                       channel=inbound.channel))
    if fresh:
        if assigned:
            from omnicanal.conversations.services.routing import emit_assigned

            emit_assigned(conversation, previous="")
    elif new or (reopened and conversation.assignee_id is None):
        from omnicanal.conversations.services.routing import do_auto_assign

        do_auto_assign(conversation=conversation, team_hint=inbound.team)
    received = Received(message, conversation, customer_id, new_conversation=new, reopened=reopened)
    event = received_event(received)
    outbox.emit(event)
    if push_after_commit:
        # The consoles' push is no outbox handler: it must not wait behind the bot's turn and the
        # sentiment of the topic's batch (docs/inbox.md, "The push"); a push lost with its process
        # is a courtesy lost, the console refreshes on load and every minute.
        payload = dataclasses.asdict(event)
        transaction.on_commit(lambda: push.push(outbox.topic_of(event), payload))
    return received


def _named(row: Conversation | Message) -> Conversation | Message:
    """Its public id now, as its INSERT would set it (the events name it before the row is written)."""
    type(row)._meta.get_field("public_id").pre_save(row, True)
    return row


def _batch_active(customer_id: str) -> Conversation | None:
    pending = _pending.get()
    return pending["active"].get(customer_id) if pending is not None else None


# What _note_message and the reopening above change, all a message writes on its conversation's row
# (the row is locked: the others are as read; a save of every column composed twice as much SQL).
NOTED = ("last_channel", "last_inbox_id", "reply_channel", "last_message_at", "last_inbound_at", "message_count",
         "waiting_since", "language", "store", "subject", "updated_at", "status", "reopens", "snoozed_until",
         "resolved_at")


def _note_message(conversation: Conversation, inbound: InboundMessage, identified, now: dt.datetime) -> None:
    """The conversation's fields an inbound message changes (not saved here)."""
    conversation.last_channel = inbound.channel
    conversation.last_inbox_id = inbound.inbox_id
    conversation.reply_channel = ""  # writing again on a channel makes it the reply channel
    conversation.last_message_at = now
    conversation.last_inbound_at = now
    conversation.message_count += 1
    if inbound.author == Author.CUSTOMER and conversation.waiting_since is None:
        conversation.waiting_since = now
    if inbound.language and not conversation.language:
        conversation.language = inbound.language
    elif not conversation.language and identified.customer.language:
        conversation.language = identified.customer.language
    if inbound.store and not conversation.store:
        conversation.store = inbound.store
    if inbound.meta.get("subject") and not conversation.subject:
        conversation.subject = str(inbound.meta["subject"])[:200]
    conversation.updated_at = now


def received_event(received: Received) -> MessageReceived:
    message, conversation = received.message, received.conversation
    return MessageReceived(
        message_id=message.public_id, conversation_id=conversation.public_id, customer_id=received.customer_id,
        channel=message.channel, inbox_id=message.inbox_id, author=message.author,
        assignee_id=assignee_key(conversation), team=team_key(conversation),
        new_conversation=received.new_conversation, reopened=received.reopened,
    )


def _conversation_for(customer_id: str, inbound: InboundMessage, now: dt.datetime) -> tuple[Conversation, bool, bool]:
    active = locks.lock_active_conversation(customer_id)
    if active is not None:
        return active, False, False
    last = Conversation.objects.filter(customer_id=customer_id, status=Status.RESOLVED).order_by("-resolved_at", "-pk").first()
    if last is not None and last.resolved_at and now - last.resolved_at <= rules.reopen_window():
        if _is_csat_answer(last, inbound, now):
            return locks.lock_conversation(last.pk), False, False
        try:
            with transaction.atomic():
                locked = locks.lock_conversation(last.pk)
                locked.status = Status.OPEN
                locked.save(update_fields=["status"])
            return locked, False, True
        except IntegrityError:  # another message opened one meanwhile
            return locks.lock_active_conversation(customer_id), False, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                customer_id=customer_id, status=Status.OPEN, created_at=now, updated_at=now,
                language=inbound.language, store=inbound.store,
            )
        return conversation, True, False
    except IntegrityError:
        return locks.lock_active_conversation(customer_id), False, False


def _is_csat_answer(conversation: Conversation, inbound: InboundMessage, now: dt.datetime) -> bool:
    return (
        conversation.csat_asked_at is not None
        and conversation.csat_score is None
        and inbound.text.strip() in CSAT_ANSWERS
        and now - conversation.csat_asked_at <= rules.csat_answer_window()
    )


def _store(conversation: Conversation, inbound: InboundMessage, now: dt.datetime, *, guard: bool = True) -> Message | None:
    """The message's row; None when a concurrent delivery of its provider id was stored first. Without
    `guard` (the worker's batch, which looked the id up under its topic's lock) there is no savepoint:
    the unexpected duplicate fails the batch, which the outbox then retries one message at a time."""
    message = Message(
        conversation=conversation, direction=Direction.IN, channel=inbound.channel, inbox_id=inbound.inbox_id,
        address=inbound.address[:200], external_id=external_key(inbound.external_id),
        author=inbound.author if inbound.author in Author.values else Author.CUSTOMER,
        author_name=inbound.name[:150], kind=inbound.kind[:20], text=inbound.text, meta=dict(inbound.meta),
        status=Delivery.RECEIVED, created_at=now, sent_at=inbound.sent_at,
    )
    pending = _pending.get()
    if pending is not None and not guard and not inbound.attachments:
        pending["messages"].append(_named(message))  # written when the batch ends (rows_together)
        return message
    if pending is not None:
        _flush()  # its conversation may be one of the pending rows
    try:
        with transaction.atomic() if guard else contextlib.nullcontext():
            core_rows.insert([message])  # an INSERT composed once, as Message.objects.create writes it
    except IntegrityError:
        if not guard:
            raise
        return None
    for attachment in inbound.attachments:
        try:
            store_attachment(message, filename=attachment.filename, content_type=attachment.content_type,
                             content=attachment.content, remote_ref=attachment.remote_ref)
        except (FileTooLarge, FileTypeRefused) as problem:
            # A provider's delivery is kept (answering 4xx would make it retry forever); the file is not.
            note_refused_attachment(message, filename=attachment.filename, problem=problem)
    return message


def do_record_delivery(*, update: StatusUpdate | None = None, message_id: str = "", status: str = "",
                       external_id: str = "", error: str = "", at: dt.datetime | None = None) -> Message | None:
    """A provider's report (by its id) or our sender's result (by our id); statuses only move forward
    (sent -> delivered -> read); failed applies until the message was delivered. Unknown ids: None."""
    if update is not None:
        rows = Message.objects.filter(channel=update.channel, external_id=external_key(update.external_id),
                                      direction=Direction.OUT)
        status, error, at = update.status, update.error, update.at
    else:
        rows = Message.objects.filter(public_id=message_id)
    message = rows.select_related("conversation").select_for_update().first()
    if message is None or status not in Delivery.values:
        return None
    at = at or clock.now()
    current = message.status
    if status == Delivery.FAILED:
        if current in (Delivery.DELIVERED, Delivery.READ, Delivery.FAILED):
            return message
    elif current == Delivery.FAILED and status == Delivery.SENT:
        return message
    elif DELIVERY_ORDER.get(status, -1) <= DELIVERY_ORDER.get(current, -1) and current != Delivery.FAILED:
        return message
    message.status = status
    fields = ["status"]
    if external_id and not message.external_id:
        message.external_id = external_key(external_id)
        fields.append("external_id")
    if status == Delivery.SENT:
        message.sent_at = at
        fields.append("sent_at")
    if status in (Delivery.DELIVERED, Delivery.READ) and message.delivered_at is None:
        message.delivered_at = at
        fields.append("delivered_at")
    if status == Delivery.READ:
        message.read_at = at
        fields.append("read_at")
    if status == Delivery.FAILED:
        message.error = error[:500]
        fields.append("error")
    message.save(update_fields=fields)
    conversation = message.conversation
    outbox.emit(DeliveryUpdated(
        message_id=message.public_id, conversation_id=conversation.public_id, channel=message.channel, status=status,
        assignee_id=assignee_key(conversation), team=team_key(conversation),
    ))
    return message


def do_attach_fetched(*, attachment_id: str, content_type: str, content: bytes) -> None:
    """A remote attachment (WhatsApp media id, MMS URL) fetched after commit, now stored locally."""
    from django.core.files.base import ContentFile

    from omnicanal.conversations.models import Attachment

    attachment = Attachment.objects.select_for_update().select_related("message").filter(public_id=attachment_id).first()
    if attachment is None or attachment.file:
        return
    try:  # the provider's content type is a claim like any other: the bytes decide
        checked = uploads.check_file(filename=attachment.filename, content=content, channel=attachment.message.channel)
    except (FileTooLarge, FileTypeRefused) as problem:
        note_refused_attachment(attachment.message, filename=attachment.filename, problem=problem)
        attachment.delete()
        return
    attachment.filename = checked.filename
    attachment.content_type = checked.content_type
    attachment.size = len(content)
    attachment.file.save(f"{attachment.message.public_id}-{attachment.filename}", ContentFile(content), save=False)
    attachment.save(update_fields=["filename", "content_type", "size", "file"])

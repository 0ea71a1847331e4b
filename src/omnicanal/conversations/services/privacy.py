"""Conversations' part in customers' merge, export and erasure (registered in handlers.py)."""

from __future__ import annotations

from django.db.models import F

from omnicanal.conversations.events import ConversationMerged
from omnicanal.conversations.models import ACTIVE_STATUSES, Attachment, Conversation, Message, Status, Ticket
from omnicanal.core import clock, outbox


def do_move_conversations(*, survivor_id: str, merged_id: str) -> None:
    """A merge loses nothing: the merged customer's threads become the survivor's; when both had an
    open one, the merged one's messages join the survivor's and the emptied one is closed."""
    now = clock.now()
    survivor_open = (
        Conversation.objects.select_for_update().filter(customer_id=survivor_id, status__in=ACTIVE_STATUSES).first()
    )
    merged_open = Conversation.objects.select_for_update().filter(customer_id=merged_id, status__in=ACTIVE_STATUSES).first()
    if survivor_open is not None and merged_open is not None:
        moved = Message.objects.filter(conversation=merged_open).update(conversation=survivor_open)
        Ticket.objects.filter(conversation=merged_open).update(conversation=survivor_open)
        Conversation.objects.filter(pk=survivor_open.pk).update(
            message_count=F("message_count") + moved, updated_at=now,
            last_message_at=max(filter(None, [survivor_open.last_message_at, merged_open.last_message_at]), default=now),
        )
        Conversation.objects.filter(pk=merged_open.pk).update(
            status=Status.RESOLVED, resolved_at=now, resolved_by="merge", message_count=0, updated_at=now
        )
        outbox.emit(ConversationMerged(conversation_id=merged_open.public_id, into_conversation_id=survivor_open.public_id))
    Conversation.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    Ticket.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def export_conversations(customer_id: str) -> list[dict]:
    rows = []
    for conversation in Conversation.objects.filter(customer_id=customer_id).order_by("created_at"):
        messages = Message.objects.filter(conversation=conversation, private=False).order_by("created_at", "pk")
        rows.append({
            "id": conversation.public_id,
            "status": conversation.status,
            "created_at": conversation.created_at.isoformat(),
            "csat_score": conversation.csat_score,
            "reply_address": conversation.reply_address,
            "tickets": [
                {"id": t.public_id, "number": t.display_number, "category": t.category, "status": t.status,
                 "order_ref": t.order_ref, "return_ref": t.return_ref}
                for t in conversation.tickets.all()
            ],
            "messages": [
                {"id": m.public_id, "at": m.created_at.isoformat(), "direction": m.direction, "channel": m.channel,
                 "author": m.author, "text": m.text, "address": m.address,
                 "attachments": [a.filename for a in m.attachments.all()]}
                for m in messages
            ],
        })
    return rows


def do_erase_conversations(*, customer_id: str) -> None:
    """Personal data goes: texts, addresses, provider metadata and files; the shells stay for counts."""
    conversations = Conversation.objects.filter(customer_id=customer_id)
    for attachment in Attachment.objects.filter(message__conversation__in=conversations):
        if attachment.file:
            attachment.file.delete(save=False)
    Attachment.objects.filter(message__conversation__in=conversations).delete()
    Message.objects.filter(conversation__in=conversations).update(text="", address="", meta={}, author_name="", error="")
    Ticket.objects.filter(customer_id=customer_id).update(subject="")
    conversations.update(subject="", reply_address="")


def do_scrub_conversations(*, traces) -> None:
    """Someone else's thread that holds the erased person's values (an anonymous web chat visitor
    who left their email, a message quoting their phone) loses those texts."""
    fields = {Message: ("text", "address", "author_name", "error"), Conversation: ("subject", "reply_address"),
              Ticket: ("subject",)}
    for model, names in fields.items():
        for row in model.objects.filter(traces.q(*names)).only("pk", *names):
            changes = {name: "" for name in names if traces.touches(getattr(row, name))}
            if changes:
                model.objects.filter(pk=row.pk).update(**changes)
    for message in Message.objects.filter(traces.q("meta")).only("pk", "meta"):
        meta = traces.scrub_json(message.meta)
        if meta != message.meta:
            Message.objects.filter(pk=message.pk).update(meta=meta)

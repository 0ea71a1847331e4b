"""Helpers the conversations services share."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations.models import Attachment, Conversation, Message
from omnicanal.core import clock
from omnicanal.core.errors import Conflict, NotFound

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class ReplyWindowClosed(Conflict):
    slug = "reply-window-closed"
    title = _("The channel's reply window is closed; only an approved template may be sent")


def conversation_of(conversation: Conversation | str) -> Conversation:
    if isinstance(conversation, Conversation):
        return conversation
    found = Conversation.objects.filter(public_id=conversation).first()
    if found is None:
        raise NotFound(detail=f"No conversation {conversation}.")
    return found


def assignee_key(conversation: Conversation) -> str:
    return str(conversation.assignee_id or "")


def team_key(conversation: Conversation) -> str:
    return conversation.team.slug if conversation.team_id else ""


def store_attachment(message: Message, *, filename: str, content_type: str, content: bytes = b"",
                     remote_ref: str = "") -> Attachment:
    filename = (filename or "file").replace("/", "_").replace("\\", "_")[:200]
    attachment = Attachment(
        message=message, filename=filename, content_type=(content_type or "application/octet-stream")[:100],
        size=len(content), remote_ref=remote_ref[:500], created_at=clock.now(),
    )
    if content:
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise Conflict(detail=str(_("The file is too large.")))
        attachment.file.save(f"{message.public_id}-{filename}", ContentFile(content), save=False)
    attachment.save()
    return attachment

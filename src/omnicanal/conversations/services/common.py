"""Helpers the conversations services share."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations.models import Attachment, Conversation, Message
from omnicanal.core import clock, uploads
from omnicanal.core.errors import Conflict, Problem
from omnicanal.core.queries import get_or_404


class ReplyWindowClosed(Conflict):
    slug = "reply-window-closed"
    title = _("The channel's reply window is closed; only an approved template may be sent")


def conversation_of(conversation: Conversation | str) -> Conversation:
    if isinstance(conversation, Conversation):
        return conversation
    return get_or_404(Conversation.objects.all(), f"No conversation {conversation}.", public_id=conversation)


def assignee_key(conversation: Conversation) -> str:
    return str(conversation.assignee_id or "")


def team_key(conversation: Conversation) -> str:
    return conversation.team.slug if conversation.team_id else ""


def store_attachment(message: Message, *, filename: str, content_type: str, content: bytes = b"",
                     remote_ref: str = "") -> Attachment:
    """Keep one file of a message. Its bytes pass `core.uploads.check_file` (the channel's size limit,
    the allow-list by content) and the detected type is stored, never the sender's claim; raises
    FileTooLarge or FileTypeRefused. A remote file (a provider's media id) is checked when fetched."""
    if content:
        checked = uploads.check_file(filename=filename, content=content, channel=message.channel)
        filename, content_type = checked.filename, checked.content_type
    else:
        filename = uploads.safe_filename(filename, "")
    attachment = Attachment(
        message=message, filename=filename, content_type=(content_type or "application/octet-stream")[:100],
        size=len(content), remote_ref=remote_ref[:500], created_at=clock.now(),
    )
    if content:
        attachment.file.save(f"{message.public_id}-{filename}", ContentFile(content), save=False)
    attachment.save()
    return attachment


def note_refused_attachment(message: Message, *, filename: str, problem: Problem) -> None:
    """A file a customer sent that we did not keep: the agent sees its name and why (message.meta)."""
    refused = list((message.meta or {}).get("refused_attachments") or [])
    refused.append({"filename": uploads.safe_filename(filename, ""), "reason": problem.slug})
    message.meta = {**(message.meta or {}), "refused_attachments": refused}
    message.save(update_fields=["meta"])

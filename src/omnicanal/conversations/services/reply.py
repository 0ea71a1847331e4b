"""Outbound: an agent's (or the bot's, or the system's) message to the customer, and internal notes.

The reply goes out on the channel the agent picks, else on the one the visitor asked for (a web
chat visitor who left an email while nobody was online), else on the channel the customer last
wrote from. It is only written here (status queued) with a MessageSent event; the channels app
sends it after commit and records the provider's answer with do_record_delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import locks
from omnicanal.conversations.contract import CHANNELS, spec
from omnicanal.conversations.events import MessageSent, NoteAdded
from omnicanal.conversations.models import Author, BotState, Conversation, Delivery, Direction, Message
from omnicanal.conversations.services.common import (
    ReplyWindowClosed,
    assignee_key,
    conversation_of,
    store_attachment,
    team_key,
)
from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.customers import queries as customers

UNDELIVERABLE = {"voice"}  # a phone call cannot carry a written reply


def is_pull(channel: str) -> bool:
    """Generic channels (the API's inbound, a marketplace connector) have no adapter: their
    integration reads replies through the API (or the MessageSent event); nothing is sent."""
    return channel == "api" or spec(channel) is None


def last_inbound(conversation: Conversation, channel: str) -> Message | None:
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, channel=channel)
        .order_by("-created_at", "-pk").first()
    )


def reply_channel(conversation: Conversation, channel: str | None = None) -> str:
    return channel or conversation.reply_channel or conversation.last_channel


def window_open(conversation: Conversation, channel: str, at: dt.datetime | None = None) -> bool:
    channel_spec = spec(channel)
    if channel_spec is None or channel_spec.reply_window is None:
        return True
    return window_after(last_inbound(conversation, channel), channel, at)


def window_after(last: Message | None, channel: str, at: dt.datetime | None = None) -> bool:
    """window_open given the customer's last message on `channel` (read in bulk by a batch sender)."""
    channel_spec = spec(channel)
    if channel_spec is None or channel_spec.reply_window is None:
        return True
    return last is not None and (at or clock.now()) - last.created_at <= channel_spec.reply_window


def reply_options(conversation: Conversation) -> list[dict]:
    """The channels an agent may answer on now: where the customer wrote, or consented and reachable."""
    options = []
    written = set(
        Message.objects.filter(conversation=conversation, direction=Direction.IN).values_list("channel", flat=True).distinct()
    )
    default = reply_channel(conversation)
    for name, channel_spec in CHANNELS.items():
        if name in UNDELIVERABLE or is_pull(name):
            continue
        if name in written or _typed_address(conversation, name) or (
            customers.reachable_on(conversation.customer_id, name)
            and customers.may_contact(conversation.customer_id, name, "transactional")
        ):
            options.append({"channel": name, "label": channel_spec.label, "default": name == default,
                            "window_open": window_open(conversation, name)})
    return options


def _typed_address(conversation: Conversation, channel: str) -> str:
    """The address the visitor typed for answers on `channel` (web chat's "answer me by email")."""
    return conversation.reply_address if conversation.reply_address and channel == "email" else ""


def _address(conversation: Conversation, channel: str) -> tuple[str, str, Message | None]:
    """(address, inbox id, the customer's last message there) for sending on `channel`. While the
    visitor's own request for email answers stands, the address they typed wins."""
    typed = _typed_address(conversation, channel)
    if typed and conversation.reply_channel == channel:
        return typed, "", None
    last = last_inbound(conversation, channel)
    if last is not None and last.address:
        return last.address, last.inbox_id, last
    address = customers.reachable_on(conversation.customer_id, channel) or typed
    return address, "", last


def reachable(conversation: Conversation, channel: str) -> bool:
    """Whether a message on `channel` has somewhere to go (never, once the customer was erased)."""
    return bool(_address(conversation, channel)[0])


def _email_threading(last: Message | None, conversation: Conversation) -> dict:
    if last is None or last.channel != "email":
        subject = conversation.subject
        return {"subject": subject} if subject else {}
    meta = last.meta or {}
    subject = meta.get("subject") or conversation.subject or ""
    if subject and not subject.lower().startswith(("re:", "aw:")):
        subject = f"Re: {subject}"
    references = [*meta.get("references", []), meta.get("message_id", "")]
    return {"subject": subject, "in_reply_to": meta.get("message_id", ""), "references": [r for r in references if r][-10:]}


def _check_text(channel: str, text: str, has_files: bool) -> str:
    text = (text or "").strip()
    if not text and not has_files:
        raise ValidationFailed.on("text", _("write something or attach a file"))
    channel_spec = spec(channel)
    if channel_spec is not None and len(text) > channel_spec.max_text:
        raise ValidationFailed.on("text", _("too long for this channel (at most %(n)d characters)") % {"n": channel_spec.max_text})
    return text


def do_send(
    *,
    conversation: Conversation | str,
    text: str,
    channel: str | None = None,
    author: str = Author.AGENT,
    actor: Principal | None = None,
    user=None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    template: dict | None = None,
    kind: str = "text",
    meta: dict | None = None,
    check_consent: bool = True,
    to: str = "",
) -> Message:
    """Write one outbound message (queued); MessageSent makes the channels app deliver it. `to`: an
    address the customer gave for this one message (a receipt typed at the counter), used as given.
    The bot may not write once a person handles the conversation (docs/bot.md, "Races").

    Every writer holds the conversation's row lock from here to its commit, whoever the author: an
    agent's reply and a bot's answer racing on one conversation are serialised, so the bot either
    committed its answer before the agent's reply was written (and is timestamped before it), or
    finds the conversation handed to a person and stays silent; never an answer after the agent's,
    and no lost update of the counters (message_count, waiting_since) read before the other's commit."""
    conversation = locks.lock_conversation(conversation_of(conversation).pk)
    if author == Author.BOT and conversation.bot == BotState.HANDED_OFF:
        raise Conflict(detail=str(_("A person handles this conversation; the bot stays silent.")))
    chosen = reply_channel(conversation, channel)
    if not chosen:
        raise ValidationFailed.on("channel", _("the customer has not written on any channel yet; pick one"))
    if chosen in UNDELIVERABLE:
        raise ValidationFailed.on("channel", _("cannot send a written message on this channel"))
    pull = is_pull(chosen)
    text = _check_text(chosen, text, bool(attachments) or template is not None)
    address, inbox_id, last = _address(conversation, chosen)
    if to:  # not a reply to their last message there: no threading, the default inbox
        address, inbox_id, last = to, "", None
    if pull and last is None:
        raise ValidationFailed.on("channel", _("the customer has not written on this channel"))
    if not pull and not address:
        raise ValidationFailed.on("channel", _("the customer has no address on this channel"))
    if last is None and check_consent and not customers.may_contact(conversation.customer_id, chosen, "transactional"):
        raise Conflict(detail=str(_("The customer does not accept messages on this channel.")))
    now = clock.now()
    if template is None and not window_open(conversation, chosen, now):
        raise ReplyWindowClosed(detail=str(_("More than the channel's reply window has passed since the customer's last "
                                             "message there; send an approved template or use another channel.")))
    message_meta = {**_email_threading(last, conversation), **(meta or {})}
    if template is not None:
        message_meta["template"] = template
        kind = "template" if kind == "text" else kind
    message = Message.objects.create(
        conversation=conversation, direction=Direction.OUT, channel=chosen, inbox_id=inbox_id, address=address,
        author=author, author_user=user, author_name=(actor.name if actor else "")[:150], kind=kind, text=text,
        meta=message_meta, status=Delivery.SENT if pull else Delivery.QUEUED, created_at=now,
        sent_at=now if pull else None,
    )
    for filename, content_type, content in attachments:
        store_attachment(message, filename=filename, content_type=content_type, content=content)
    fields = ["last_message_at", "updated_at", "message_count"]
    conversation.last_message_at = now
    conversation.updated_at = now
    conversation.message_count += 1
    if author in (Author.AGENT, Author.BOT):
        conversation.waiting_since = None
        fields.append("waiting_since")
    # Only a person's answer counts as the first response (a bot's would flatter the figure) and
    # makes the bot step back: it stays silent while a person handles the conversation.
    if author == Author.AGENT:
        if conversation.first_response_at is None:
            conversation.first_response_at = now
            fields.append("first_response_at")
        if conversation.bot != BotState.HANDED_OFF:
            conversation.bot = BotState.HANDED_OFF
            fields.append("bot")
    conversation.save(update_fields=fields)
    if author == Author.AGENT:
        from omnicanal.conversations.services.tickets import on_agent_reply

        on_agent_reply(conversation=conversation, at=now)
    outbox.emit(MessageSent(
        message_id=message.public_id, conversation_id=conversation.public_id, customer_id=conversation.customer_id,
        channel=chosen, inbox_id=inbox_id, author=author, assignee_id=assignee_key(conversation),
        team=team_key(conversation),
    ))
    return message


def do_reply(*, conversation: Conversation | str, text: str, actor: Principal, user=None, channel: str | None = None,
             attachments: Sequence[tuple[str, str, bytes]] = (), template: dict | None = None) -> Message:
    """An agent's reply."""
    return do_send(conversation=conversation, text=text, channel=channel, author=Author.AGENT, actor=actor, user=user,
                   attachments=attachments, template=template)


def do_add_note(*, conversation: Conversation | str, text: str, actor: Principal, user=None,
                author: str = Author.AGENT) -> Message:
    """An internal note: visible to staff only, never sent (the bot leaves its hand-off summary so)."""
    conversation = conversation_of(conversation)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.on("text", _("write something"))
    now = clock.now()
    message = Message.objects.create(
        conversation=conversation, direction=Direction.OUT, channel="", author=author, author_user=user,
        author_name=actor.name[:150], private=True, kind="note", text=text, status=Delivery.NOTE, created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    outbox.emit(NoteAdded(message_id=message.public_id, conversation_id=conversation.public_id,
                          assignee_id=assignee_key(conversation), team=team_key(conversation)))
    return message

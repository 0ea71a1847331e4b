"""Writers of the channels domain: inboxes, storing a verified webhook's content, delivering replies.

A webhook is verified before anything is read into the database (a forgery changes nothing); its
content is stored in one transaction by the view; network work (sending, fetching media) happens
only after commit, from outbox handlers and huey tasks.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from omnicanal.channels import adapters
from omnicanal.channels.base import Outbound, OutboundAttachment, Parsed, SendFailed
from omnicanal.channels.models import SECRET_KEYS, ChannelKind, Inbox
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import rules as conversations_rules
from omnicanal.conversations import services as conversations
from omnicanal.core import audit, clock
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.customers import services as customers

log = logging.getLogger(__name__)

OPT_OUT_PURPOSES = ("marketing", "surveys")


def do_create_inbox(*, channel: str, name: str, config: dict | None = None, team: str = "",
                    actor: Principal = SYSTEM) -> Inbox:
    if channel not in ChannelKind.values:
        raise ValidationFailed.on("channel", _("unknown channel"))
    if not (name or "").strip():
        raise ValidationFailed.on("name", _("required"))
    now = clock.now()
    inbox = Inbox.objects.create(channel=channel, name=name.strip()[:100], config=dict(config or {}), team=team,
                                 created_at=now, updated_at=now)
    audit.record(actor=actor, action="inbox.create", target_type="inbox", target_id=inbox.public_id,
                 after={"channel": channel, "keys": sorted((config or {}).keys())})
    return inbox


def do_update_inbox(*, inbox: Inbox, name: str | None = None, config: dict | None = None, team: str | None = None,
                    active: bool | None = None, actor: Principal = SYSTEM) -> Inbox:
    """`config` is merged; a secret left empty keeps its stored value."""
    if name is not None:
        inbox.name = name.strip()[:100] or inbox.name
    if config is not None:
        merged = dict(inbox.config)
        for key, value in config.items():
            if key in SECRET_KEYS and value in ("", None):
                continue
            merged[key] = value
        inbox.config = merged
    if team is not None:
        inbox.team = team
    if active is not None:
        inbox.active = active
    inbox.updated_at = clock.now()
    inbox.save()
    audit.record(actor=actor, action="inbox.update", target_type="inbox", target_id=inbox.public_id,
                 after={"keys": sorted((config or {}).keys()), "active": inbox.active})
    return inbox


def _for_inbox(inbox: Inbox, parsed: Parsed) -> list:
    store = inbox.config.get("store", "")
    return [dataclasses.replace(m, team=m.team or inbox.team, store=m.store or store) for m in parsed.messages]


def only_queued(parsed: Parsed) -> bool:
    """A delivery the webhook keeps with one statement per message and nothing else (no delivery
    report, no consent keyword, no file bytes): it needs no transaction of its own."""
    return (bool(parsed.messages) and not parsed.statuses and not parsed.consent_changes
            and conversations_rules.inbound_queued() and all(conversations.queueable(m) for m in parsed.messages))


def do_accept_webhook(*, inbox: Inbox, parsed: Parsed) -> list[conversations.Accepted]:
    """The hot path (only_queued): each message kept and deduplicated by one statement (in autocommit
    on PostgreSQL, its own commit); the worker stores them in their conversations (docs/inbox.md)."""
    return [conversations.do_accept_inbound(inbound=message) for message in _for_inbox(inbox, parsed)]


def do_store_webhook(*, inbox: Inbox, parsed: Parsed) -> list:
    """Store a verified webhook's messages, consent keywords and delivery reports (caller's transaction).
    With the two-step path on (conversations.rules.inbound_queued) a message without file bytes is
    kept for the worker (conversations.Accepted), else stored now (conversations.Received)."""
    received: list = []
    queued = conversations_rules.inbound_queued()
    for message in _for_inbox(inbox, parsed):
        if queued and conversations.queueable(message):
            received.append(conversations.do_accept_inbound(inbound=message))
        else:
            received.append(conversations.do_receive_message(inbound=message))
    for address, change, word in parsed.consent_changes:
        _consent_keyword(inbox, address, change, word)
    for update in parsed.statuses:
        conversations.do_record_delivery(update=update)
    # Only messages that came with a provider-held file have something to fetch (a text message
    # costs no statement after the commit).
    fresh = [r.message.public_id for r, m in zip(received, parsed.messages, strict=True)
             if isinstance(r, conversations.Received) and not r.duplicate and any(a.remote_ref for a in m.attachments)]
    if fresh:
        transaction.on_commit(lambda: fetch_later(fresh))
    return received


def _consent_keyword(inbox: Inbox, address: str, change: str, word: str) -> None:
    kind = {"sms": "phone", "whatsapp": "whatsapp"}.get(inbox.channel, inbox.channel)
    customer_id = customers.do_identify(channel=inbox.channel, identities=[{"kind": kind, "value": address}]).customer_id
    for purpose in OPT_OUT_PURPOSES:
        if change == "opt_out":
            customers.do_withdraw_consent(customer_id=customer_id, channel=inbox.channel, purpose=purpose,
                                          source=f"{inbox.channel}:{word.upper()}", proof=word)
        else:
            customers.do_grant_consent(customer_id=customer_id, channel=inbox.channel, purpose=purpose,
                                       source=f"{inbox.channel}:{word.upper()}", proof=word)


# Queues the download of a provider-held file: channels.tasks.fetch_attachment, a huey task, wired
# by ChannelsConfig.ready() through fetch_with(). channels.tasks imports this module, so this module
# does not import it (no import cycle; tests/test_seams_import_rules.py).
_fetcher: Callable[[str], object] | None = None


def fetch_with(enqueue: Callable[[str], object]) -> None:
    """Name the callable that queues one attachment's download (a huey task)."""
    global _fetcher
    _fetcher = enqueue


def fetch_later(message_ids: list[str]) -> None:
    """Queue the download of these messages' provider-held files (after the commit that stored them)."""
    if _fetcher is None:
        raise RuntimeError("channels: no fetcher (ChannelsConfig.ready() wires channels.tasks.fetch_attachment)")
    for attachment_id, _channel, _inbox_id, _ref in conversations_queries.pending_remote_attachments(message_ids):
        _fetcher(attachment_id)


def do_fetch_attachment(*, attachment_id: str) -> bool:
    """Download a provider-held file (WhatsApp media id, Telegram file id, MMS or Meta URL) and keep it."""
    row = conversations_queries.pending_remote_attachment(attachment_id)
    if row is None:
        return False
    inbox = Inbox.objects.filter(public_id=row.inbox_id).first()
    module = adapters.adapter(row.channel) if row.channel in adapters.CHANNELS else None
    if inbox is None or module is None or not hasattr(module, "fetch_media"):
        return False
    content_type, content = module.fetch_media(inbox, row.remote_ref)
    with transaction.atomic():
        conversations.do_attach_fetched(attachment_id=attachment_id, content_type=content_type, content=content)
    return True


def inbox_for(channel: str, inbox_id: str = "") -> Inbox | None:
    if inbox_id:
        found = Inbox.objects.filter(public_id=inbox_id, active=True).first()
        if found is not None:
            return found
    return Inbox.objects.filter(channel=channel, active=True).order_by("pk").first()


def _outbound(view) -> Outbound:
    attachments = []
    for attachment in view.attachments:
        if attachment.file:
            with attachment.file.open("rb") as handle:
                attachments.append(OutboundAttachment(attachment.filename, attachment.content_type, handle.read()))
    meta = view.meta
    template = meta.get("template")
    extra = {"wire": webchat_wire(view)} if view.channel == "webchat" else {}
    if view.channel == "email" and meta.get("html"):
        extra["html"] = meta["html"]
    return Outbound(
        message_id=view.message_id, to=view.address, text=view.text, attachments=tuple(attachments),
        subject=meta.get("subject", ""), in_reply_to=meta.get("in_reply_to", ""),
        references=tuple(meta.get("references") or ()), template=template, extra=extra,
    )


def webchat_wire(message) -> dict:
    """A message (a conversations Message or OutboundView) as the web chat widget shows it."""
    attachments = message.attachments
    if hasattr(attachments, "all"):
        attachments = attachments.all()
    return {
        "id": getattr(message, "public_id", "") or getattr(message, "message_id", ""),
        "at": message.created_at.isoformat(),
        "direction": getattr(message, "direction", "out"),
        "author": message.author,
        "text": message.text,
        "attachments": [a.filename for a in attachments],
    }


def do_deliver(*, message_id: str) -> str:
    """Send one queued outbound message through its channel's adapter; returns the new status.

    A permanent refusal marks the message failed; a transient one raises, and the outbox retries.
    """
    view = conversations_queries.outbound(message_id)
    if view is None or view.status != "queued":
        return view.status if view else "missing"
    if view.channel not in adapters.CHANNELS:
        with transaction.atomic():
            conversations.do_record_delivery(message_id=message_id, status="failed", error="no adapter for this channel")
        return "failed"
    inbox = inbox_for(view.channel, view.inbox_id)
    if inbox is None:
        with transaction.atomic():
            conversations.do_record_delivery(message_id=message_id, status="failed", error="no active inbox for this channel")
        return "failed"
    if inbox.config.get("sandbox") and view.channel != "webchat":
        # A sandboxed inbox (the demo's) records what it would send and calls no provider: nothing
        # leaves the machine until real credentials replace the placeholders.
        log.info("sandbox inbox %s: %s message %s recorded, not sent", inbox.public_id, view.channel, message_id)
        with transaction.atomic():
            conversations.do_record_delivery(message_id=message_id, status="sent", external_id=f"sandbox-{message_id}")
        return "sent"
    try:
        result = adapters.adapter(view.channel).send(inbox, _outbound(view))
    except SendFailed as exc:
        if not exc.permanent:
            raise
        log.warning("delivery of %s on %s failed for good: %s", message_id, view.channel, exc.reason)
        with transaction.atomic():
            conversations.do_record_delivery(message_id=message_id, status="failed", error=exc.reason)
        return "failed"
    with transaction.atomic():
        conversations.do_record_delivery(message_id=message_id, status=result.status, external_id=result.external_id)
    return result.status


def do_click_to_call(*, conversation_id: str, agent_phone: str, actor: Principal) -> str:
    """Ask the telephony provider to ring the agent, then the customer; the call's events come back
    through the voice webhook and land in the conversation."""
    from omnicanal.channels.voice.adapter import start_call
    from omnicanal.customers import queries as customers_queries

    conversation = conversations_queries.get_conversation(conversation_id)
    number = customers_queries.reachable_on(conversation.customer_id, "voice")
    if not number:
        raise ValidationFailed.on("phone", _("the customer has no phone number"))
    inbox = inbox_for("voice")
    if inbox is None:
        raise NotFound(detail=str(_("No phone inbox is set up.")))
    call_id = start_call(inbox, agent_number=agent_phone, customer_number=number, reference=conversation.public_id)
    audit.record(actor=actor, action="voice.call", target_type="conversation", target_id=conversation.public_id,
                 after={"call_id": call_id})
    return call_id

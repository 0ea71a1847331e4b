"""What a channel adapter hands to conversations, and what conversations knows of each channel.

The channels app (adapters at the edge) imports this module; conversations never imports channels.
An adapter parses a provider's webhook into `InboundMessage`s and `StatusUpdate`s; conversations
stores them. Outbound, conversations writes a queued Message and emits `MessageSent`; the channels
app delivers it after commit and reports back with `do_record_delivery`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class IdentityRef:
    kind: str  # a customers identity kind: email, phone, whatsapp, telegram, webchat, ...
    value: str
    verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "verified": self.verified}


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes = b""
    # Set when the provider only gave a reference (a WhatsApp media id): fetched after commit.
    remote_ref: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    identities: tuple[IdentityRef, ...]
    text: str
    external_id: str  # the provider's id; unique per channel (replays are stored once)
    inbox_id: str = ""  # inb_… of the inbox it came through ("" for the generic API)
    address: str = ""  # where an answer goes on this channel: chat id, phone, email, device
    sent_at: dt.datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    name: str = ""  # the sender's display name, a trait for the customer
    language: str = ""
    kind: str = "text"  # text, media, location, interactive, call, email
    meta: dict[str, Any] = field(default_factory=dict)  # subject, message_id, in_reply_to, location…
    author: str = "customer"  # customer, or system for call events logged by the provider
    team: str = ""  # the inbox's team (a Team slug), for routing
    store: str = ""  # a location code when the inbox (or the message) is about one store


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's delivery report for a message we sent (sent, delivered, read, failed)."""

    channel: str
    external_id: str
    status: str
    at: dt.datetime | None = None
    error: str = ""


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    label: Any  # lazy translation
    identity_kinds: tuple[str, ...]  # identities of a customer that address them on this channel
    # After the customer's last inbound message on this channel, free-form replies are allowed for
    # this long (None: always). Outside it only approved templates may go (WhatsApp, Meta).
    reply_window: dt.timedelta | None = None
    max_text: int = 4096
    realtime: bool = False  # a live session (web chat): a reply may need a fallback


CHANNELS: dict[str, ChannelSpec] = {
    spec.name: spec
    for spec in [
        ChannelSpec("email", _("Email"), ("email",), max_text=100_000),
        ChannelSpec("whatsapp", _("WhatsApp"), ("whatsapp", "phone"), reply_window=dt.timedelta(hours=24)),
        ChannelSpec("telegram", _("Telegram"), ("telegram",)),
        ChannelSpec("sms", _("SMS"), ("phone",), max_text=1600),
        ChannelSpec("webchat", _("Web chat"), ("webchat",), realtime=True),
        ChannelSpec("voice", _("Phone call"), ("phone",)),
        ChannelSpec("instagram", _("Instagram"), ("instagram",), reply_window=dt.timedelta(hours=24), max_text=1000),
        ChannelSpec("facebook", _("Messenger"), ("facebook",), reply_window=dt.timedelta(hours=24), max_text=2000),
        ChannelSpec("api", _("API"), ()),
    ]
}

# Channels without an adapter here whose messages an integration relays through the generic
# `POST /messages/inbound` (a marketplace's buyer questions, the app's or a store POS's chat); their
# replies are stored as sent for the integration to read. Anything else is not a channel we know.
GENERIC_CHANNELS = ("marketplace", "app", "web", "pos", "mpos")


def known_inbound_channel(channel: str) -> bool:
    return channel in CHANNELS or channel in GENERIC_CHANNELS


DELIVERY_ORDER = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}


def spec(channel: str) -> ChannelSpec | None:
    return CHANNELS.get(channel)

"""Web chat: visitors on the shop's site, over a WebSocket with a polling fallback.

A visitor is a device id the server issues and signs (so nobody can write as another device); a
shopper who is signed in to the shop is vouched for by the shop with an HMAC of their email (or, for
one who signed in by phone and has no verified email, of their E.164 phone) under the inbox's
identity_secret (like other chat widgets' "user hash"), which makes that address a verified identity. That HMAC is the only way a visitor is signed in: an address typed in the chat
proves nothing (webchat_views.leave_email keeps it as the conversation's reply address only).
Tokens carry their generation and issue time; sessions.py expires and rotates them. Agent replies
are pushed to the visitor's group and kept for polling.

Inbox config: identity_secret, greeting, offline_message, allowed_origins (list; empty = any).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.core import signing

from omnicanal.channels.base import Outbound, SendResult, hmac_hex, same
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage
from omnicanal.core import clock

CHANNEL = "webchat"
_SALT = "omnicanal.webchat.visitor"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def new_device_id() -> str:
    return "wcd_" + secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Visitor:
    inbox_id: str
    device_id: str
    email: str = ""  # verified by the shop's HMAC when the shopper is signed in
    phone: str = ""  # the same, for a shopper known by phone only (E.164)
    generation: int = 1  # sessions.py: a resume issues the next one; older ones are retired
    issued_at: int = 0  # Unix seconds (core.clock), set by issue_token


def issue_token(visitor: Visitor) -> str:
    """A signed token for the visitor, stamped with its issued_at (else now, by core.clock)."""
    issued_at = visitor.issued_at or int(clock.now().timestamp())
    return signing.dumps({"i": visitor.inbox_id, "d": visitor.device_id, "e": visitor.email,
                          "p": visitor.phone, "g": visitor.generation, "t": issued_at}, salt=_SALT, compress=True)


def read_token(token: str) -> Visitor | None:
    """The visitor of a token we issued, else None (forged, damaged, or from before tokens expired).
    It does not say whether the token is still valid: sessions.check_visitor does."""
    try:
        data = signing.loads(token or "", salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not data.get("i") or not data.get("d"):
        return None
    generation, issued_at = data.get("g"), data.get("t")
    if not isinstance(generation, int) or not isinstance(issued_at, int):
        return None
    return Visitor(inbox_id=data["i"], device_id=data["d"], email=data.get("e") or "",
                   phone=data.get("p") or "", generation=generation, issued_at=issued_at)


def shopper_hash(identity_secret: str, address: str) -> str:
    """What the shop's server computes for a signed-in shopper: hex HMAC-SHA256 of their email (or of
    their E.164 phone when they have no verified email)."""
    return hmac_hex(identity_secret, address.strip().lower().encode())


def verified_email(inbox, email: str, user_hash: str) -> str | None:
    return _vouched(inbox, email.strip().lower(), user_hash)


def verified_phone(inbox, phone: str, user_hash: str) -> str | None:
    """Only an E.164 number is ever vouched for: the shop sends the number as customers stores it."""
    phone = phone.strip()
    if not E164.fullmatch(phone):
        return None
    return _vouched(inbox, phone, user_hash)


def _vouched(inbox, address: str, user_hash: str) -> str | None:
    secret = inbox.config.get("identity_secret", "")
    if not secret or not address or not user_hash:
        return None
    return address if same(user_hash, shopper_hash(secret, address)) else None


def group_name(device_id: str) -> str:
    return "webchat." + hashlib.sha256(device_id.encode()).hexdigest()[:32]


def inbound(inbox, *, device_id: str, text: str, client_id: str, email: str = "", phone: str = "",
            name: str = "", attachments: tuple[InboundAttachment, ...] = ()) -> InboundMessage:
    identities = [IdentityRef("webchat", device_id)]
    if email:
        identities.append(IdentityRef("email", email, verified=True))
    if phone:
        identities.append(IdentityRef("phone", phone, verified=True))
    return InboundMessage(
        channel=CHANNEL,
        identities=tuple(identities),
        text=text,
        external_id=f"{device_id}:{client_id}",
        inbox_id=inbox.public_id,
        address=device_id,
        attachments=attachments,
        name=name,
        kind="media" if attachments else "text",
    )


def send(inbox, outbound: Outbound) -> SendResult:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            group_name(outbound.to),
            {"type": "chat.reply", "message": outbound.extra.get("wire") or {"id": outbound.message_id, "text": outbound.text}},
        )
    return SendResult(external_id=f"webchat:{outbound.message_id}", status="sent")

"""What other domains read about channels (frozen dataclasses, never the Inbox rows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from omnicanal.channels.models import Inbox
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.core import memo


@dataclass(frozen=True)
class WebchatEmbed:
    """What a shop page's widget tag carries: the inbox's public id and, for a signed-in shopper,
    their email (or, with none verified, their E.164 phone) with the shop's HMAC of it (computed here:
    the identity secret never leaves the server)."""

    inbox_id: str
    email: str = ""
    phone: str = ""
    user_hash: str = ""


def shop_webchat_inbox() -> Inbox | None:
    """The business's web chat inbox: OMNICANAL["SHOP_WEBCHAT_INBOX"] when set (and active), else
    the oldest active web chat inbox; None when there is none (the shop then shows no widget)."""
    inboxes = Inbox.objects.filter(channel=webchat.CHANNEL, active=True)
    chosen = settings.OMNICANAL.get("SHOP_WEBCHAT_INBOX") or ""
    if chosen:
        return inboxes.filter(public_id=chosen).first()
    return inboxes.order_by("pk").first()


# Every provider webhook looks its inbox up to verify the signature (WhatsApp: hundreds a second):
# the channel's active inboxes, read once per process and version, forgotten when any Inbox row
# changes (the same signals as below). Secrets stay in this process (core/memo.py).
WEBHOOK_INBOXES = memo.Memo("channels.webhook_inboxes")


def active_inboxes(channel: str) -> list[Inbox]:
    """The channel's active inboxes, oldest first (memoized: WEBHOOK_INBOXES)."""
    return WEBHOOK_INBOXES.get(channel, lambda: list(Inbox.objects.filter(channel=channel, active=True).order_by("pk")))


# Every shop page names the web chat inbox: read once per process, forgotten when any Inbox row changes
# (ChannelsConfig.ready connects the signals; core/memo.py says how other processes learn it).
SHOP_INBOX = memo.Memo("channels.shop_webchat_inbox")


def _shop_inbox_facts() -> tuple[str, str] | None:
    """(public id, identity secret) of the shop's web chat inbox, memoized in this process only."""
    chosen = settings.OMNICANAL.get("SHOP_WEBCHAT_INBOX") or ""

    def read() -> tuple[str, str] | None:
        inbox = shop_webchat_inbox()
        return None if inbox is None else (inbox.public_id, str(inbox.config.get("identity_secret", "") or ""))

    return SHOP_INBOX.get(chosen, read)


def webchat_embed(*, email: str = "", phone: str = "") -> WebchatEmbed | None:
    """The widget tag's facts for the shop's web chat inbox; a signed-in shopper's verified email (or,
    without one, their verified E.164 phone) is vouched for only when the inbox has an identity
    secret, else the widget opens as a plain device."""
    facts = _shop_inbox_facts()
    if facts is None:
        return None
    inbox_id, secret = facts
    email, phone = email.strip().lower(), phone.strip()
    if not secret or not (email or phone):
        return WebchatEmbed(inbox_id=inbox_id)
    if email:
        return WebchatEmbed(inbox_id=inbox_id, email=email, user_hash=webchat.shopper_hash(secret, email))
    return WebchatEmbed(inbox_id=inbox_id, phone=phone, user_hash=webchat.shopper_hash(secret, phone))


@dataclass(frozen=True)
class InboxInfo:
    """An inbox as other domains list it (the bot's settings per inbox): never its secrets."""

    inbox_id: str
    channel: str
    name: str
    active: bool
    address: str = ""  # an email inbox's from address ("" for other channels)


def inboxes(*, active_only: bool = True) -> list[InboxInfo]:
    rows = Inbox.objects.filter(active=True) if active_only else Inbox.objects.all()
    return [InboxInfo(inbox_id=i.public_id, channel=i.channel, name=i.name, active=i.active,
                      address=str(i.config.get("from_address", "")) if i.channel == "email" else "")
            for i in rows.order_by("channel", "name")]

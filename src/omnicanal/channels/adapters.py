"""Which adapter module serves which channel (Message.channel / Inbox.channel)."""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = {
    "email": "omnicanal.channels.email.adapter",
    "whatsapp": "omnicanal.channels.whatsapp.adapter",
    "telegram": "omnicanal.channels.telegram.adapter",
    "sms": "omnicanal.channels.sms.adapter",
    "webchat": "omnicanal.channels.webchat.adapter",
    "voice": "omnicanal.channels.voice.adapter",
    "instagram": "omnicanal.channels.social.adapter",
    "facebook": "omnicanal.channels.social.adapter",
}

CHANNELS = tuple(_MODULES)


def adapter(channel: str) -> ModuleType:
    return importlib.import_module(_MODULES[channel])

"""Web chat sessions: who a visitor token speaks for, and for how long (the web chat's services).

Rules (docs/channels.md, "Web chat"):
- A token is a device: we issue its id and sign it. It proves "the same browser as before", nothing
  more. An address typed in the chat never changes what it is.
- A token lives `WEBCHAT_SESSION_DAYS` (default 30) from its issue. The widget resumes the session on
  every page load, so a visitor who comes back within that time keeps their device and thread; one
  who stays away longer starts over as a new device.
- A resume with a token older than `WEBCHAT_TOKEN_ROTATE_MINUTES` (default 10) rotates it: the answer
  carries a fresh token of the next generation (so does a resume with the replaced generation,
  whatever its age). The replaced generation keeps working for
  `WEBCHAT_TOKEN_GRACE_MINUTES` (default 10) after the rotation (tabs still holding it); every older
  generation is refused. Tabs of one browser share the newest token through localStorage.
- The signed-in shopper the shop vouches for (HMAC, `verified_email`) is part of the device: a resume
  vouched for another shopper, or for nobody after a signed-in one (they signed out), starts a new
  device, so the next person at that browser sees nothing of theirs. An anonymous device whose
  visitor signs in keeps its thread.
- A new session writes nothing (no customer, no row); a device gets a row at its first rotation,
  and a customer only when the visitor sends something.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from omnicanal.channels.models import WebchatDevice
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.core import clock


def _setting(name: str, default: int) -> int:
    return int(settings.OMNICANAL.get(name, default))


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=_setting("WEBCHAT_SESSION_DAYS", 30))


def rotate_after() -> dt.timedelta:
    return dt.timedelta(minutes=_setting("WEBCHAT_TOKEN_ROTATE_MINUTES", 10))


def grace() -> dt.timedelta:
    return dt.timedelta(minutes=_setting("WEBCHAT_TOKEN_GRACE_MINUTES", 10))


def _stamp() -> int:
    return int(clock.now().timestamp())


def _issued(visitor: webchat.Visitor) -> dt.datetime:
    return dt.datetime.fromtimestamp(visitor.issued_at, tz=dt.UTC)


def expires_at(visitor: webchat.Visitor) -> dt.datetime:
    return _issued(visitor) + lifetime()


def check_visitor(inbox_id: str, token: str) -> webchat.Visitor | None:
    """The visitor a token speaks for on this inbox, or None: forged, of another inbox, expired, or of
    a generation retired by a rotation (the one just replaced stays valid for the grace period)."""
    return _check(inbox_id, token)[0]


def _check(inbox_id: str, token: str) -> tuple[webchat.Visitor | None, bool]:
    """(the visitor or None, whether the token is of the device's current generation)."""
    visitor = webchat.read_token(token)
    if visitor is None or visitor.inbox_id != inbox_id:
        return None, False
    now = clock.now()
    if now >= expires_at(visitor):
        return None, False
    device = WebchatDevice.objects.filter(device_id=visitor.device_id).values_list("generation", "rotated_at").first()
    if device is None:
        return (visitor, True) if visitor.generation == 1 else (None, False)
    generation, rotated_at = device
    if visitor.generation == generation:
        return visitor, True
    if visitor.generation == generation - 1 and now <= rotated_at + grace():
        return visitor, False
    return None, False


@dataclass(frozen=True)
class Session:
    visitor: webchat.Visitor
    token: str
    new_device: bool

    @property
    def expires_at(self) -> dt.datetime:
        return expires_at(self.visitor)


def do_open_session(*, inbox_id: str, token: str = "", email: str = "", phone: str = "") -> Session:
    """Start or resume a visitor's session. `email` and `phone` are the shop-vouched (HMAC-checked)
    addresses, or ""."""
    visitor, current = _check(inbox_id, token) if token else (None, False)
    vouched = (email, phone)
    if visitor is None or (any(_vouched(visitor)) and _vouched(visitor) != vouched):
        fresh = webchat.Visitor(inbox_id, webchat.new_device_id(), email, phone, issued_at=_stamp())
        return Session(fresh, webchat.issue_token(fresh), new_device=True)
    if not current or vouched != _vouched(visitor) or clock.now() - _issued(visitor) >= rotate_after():
        return _rotate(visitor, email, phone)
    return Session(visitor, token, new_device=False)


def _vouched(visitor: webchat.Visitor) -> tuple[str, str]:
    return visitor.email, visitor.phone


def _rotate(visitor: webchat.Visitor, email: str, phone: str) -> Session:
    now = clock.now()
    with transaction.atomic():
        device = WebchatDevice.objects.select_for_update().filter(device_id=visitor.device_id).first()
        if device is None:
            try:
                with transaction.atomic():
                    device = WebchatDevice.objects.create(device_id=visitor.device_id, generation=2, rotated_at=now)
            except IntegrityError:  # a concurrent resume of the same device wrote it first
                device = WebchatDevice.objects.select_for_update().get(device_id=visitor.device_id)
                device.generation += 1
                device.rotated_at = now
                device.save(update_fields=["generation", "rotated_at"])
        else:
            device.generation += 1
            device.rotated_at = now
            device.save(update_fields=["generation", "rotated_at"])
    fresh = webchat.Visitor(visitor.inbox_id, visitor.device_id, email, phone, generation=device.generation,
                            issued_at=_stamp())
    return Session(fresh, webchat.issue_token(fresh), new_device=False)


def do_purge_devices() -> int:
    """Forget devices whose every token has expired (their last rotation is older than a lifetime)."""
    deleted, _ = WebchatDevice.objects.filter(rotated_at__lt=clock.now() - lifetime()).delete()
    return deleted

"""Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` + base64
of random bytes; each attempt signs `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256 under
the decoded bytes and sends `webhook-signature: v1,<base64 of the MAC>`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes, *, also: tuple[str, ...] = ()) -> dict[str, str]:
    """The three headers; `also` are further secrets (a rotated-out one during its grace period) whose
    signatures follow the first's, space-separated, so a receiver holding either verifies."""
    signatures = " ".join(sign(s, msg_id, timestamp, body) for s in (secret, *also))
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}


def verify(secret: str, msg_id: str, timestamp: str, signature_header: str, body: bytes) -> bool:
    """What a receiver does: any of the space-separated `v1,` signatures matches."""
    expected = sign(secret, msg_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signature_header.split(" "))

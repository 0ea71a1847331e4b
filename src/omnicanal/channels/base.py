"""What every channel adapter shares: the parsed webhook, an outbound request, errors, signatures.

An adapter module (channels/<name>/adapter.py) offers:
    verify(request, inbox) -> None        raise WebhookRejected (401 missing, 403 wrong) before anything is stored
    parse(request, inbox) -> Parsed       provider wire format -> InboundMessage / StatusUpdate
    send(inbox, outbound) -> SendResult   one provider call, over httpx (base URL from the inbox config)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import httpx

from omnicanal.conversations.contract import InboundMessage, StatusUpdate

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class WebhookRejected(Exception):
    """A webhook we must refuse: 401 when the credential is missing, 403 when it is wrong."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SendFailed(Exception):
    """The provider refused or could not be reached. `permanent` failures are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass
class Parsed:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    # Keywords a channel answers by itself (SMS STOP/START): (address, "opt_out"|"opt_in", word).
    consent_changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class OutboundAttachment:
    filename: str
    content_type: str
    content: bytes
    url: str = ""  # a public URL of the stored file, for providers that fetch media by link


@dataclass(frozen=True)
class Outbound:
    message_id: str  # msg_… (our id, sent as an idempotency reference where the provider takes one)
    to: str  # the address on this channel
    text: str
    attachments: tuple[OutboundAttachment, ...] = ()
    subject: str = ""
    in_reply_to: str = ""  # email threading: the Message-ID we answer
    references: tuple[str, ...] = ()
    template: dict[str, Any] | None = None  # {name, language, parameters}: outside a reply window
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    external_id: str
    status: str = "sent"
    meta: dict[str, Any] = field(default_factory=dict)


def require(config: dict, *names: str) -> list:
    missing = [n for n in names if not config.get(n)]
    if missing:
        raise SendFailed(f"inbox config lacks {', '.join(missing)}", permanent=True)
    return [config[n] for n in names]


def hmac_hex(secret: str, body: bytes, algorithm=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), body, algorithm).hexdigest()


def hmac_b64(secret: str, body: bytes, algorithm=hashlib.sha1) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, algorithm).digest()).decode()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def check_hub_signature(header: str | None, body: bytes, secret: str) -> None:
    """Meta's X-Hub-Signature-256: 'sha256=' + hex HMAC-SHA256 of the raw body with the app secret."""
    if not header:
        raise WebhookRejected(401, "missing X-Hub-Signature-256")
    if not secret:
        raise WebhookRejected(403, "the inbox has no app secret")
    if not same(header.strip(), "sha256=" + hmac_hex(secret, body)):
        raise WebhookRejected(403, "bad X-Hub-Signature-256")


SIGNATURE_HEADER = "X-Omnicanal-Signature"


def sign_body(body: bytes, secret: str) -> str:
    return "sha256=" + hmac_hex(secret, body)


def check_body_signature(header: str | None, body: bytes, secret: str) -> None:
    """Our generic webhooks (email relay, telephony connector): X-Omnicanal-Signature, 'sha256=' +
    hex HMAC-SHA256 of the raw body with the inbox's webhook_secret."""
    if not header:
        raise WebhookRejected(401, f"missing {SIGNATURE_HEADER}")
    if not secret or not same(header.strip(), sign_body(body, secret)):
        raise WebhookRejected(403, f"bad {SIGNATURE_HEADER}")


def client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def raise_for(response: httpx.Response, provider: str) -> dict:
    """The JSON body of a provider answer; a 4xx is permanent (retrying cannot help), 5xx/429 are not."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        permanent = 400 <= response.status_code < 500 and response.status_code != 429
        raise SendFailed(f"{provider} answered {response.status_code}: {str(body)[:300]}", permanent=permanent)
    return body if isinstance(body, dict) else {"data": body}


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request an adapter reads; built from Django's request at the edge."""

    method: str
    url: str  # the absolute URL as the provider called it
    headers: Any  # case-insensitive mapping
    body: bytes
    query: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_django(cls, request) -> WebhookRequest:
        return cls(
            method=request.method,
            url=request.build_absolute_uri(),
            headers=request.headers,
            body=request.body,
            query={k: v for k, v in request.GET.items()},
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def form_pairs(self) -> list[tuple[str, str]]:
        from urllib.parse import parse_qsl

        return parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def form(self) -> dict[str, str]:
        return dict(self.form_pairs())

    def json(self) -> Any:
        """The body as JSON, read by core's safe reader (depth-limited); ValueError when unreadable.
        Read once per request (WhatsApp's inbox choice and its parse both ask): callers only read it."""
        try:
            return self.__dict__["_json"]
        except KeyError:
            from omnicanal.core.request_limits import loads

            value = self.__dict__["_json"] = loads(self.body)  # frozen: the cache bypasses __setattr__
            return value

"""Instagram and Messenger direct messages (Meta's Messenger Platform webhook format).

Same scheme as WhatsApp: a GET handshake with hub.verify_token, POSTs signed with
X-Hub-Signature-256 under the app secret. Messenger deliveries have object "page", Instagram's
"instagram"; each entry holds `messaging` events: message (text, attachments), delivery, read;
echoes of our own messages are ignored.

Inbox config: base_url (https://graph.facebook.com), api_version (v21.0), account_id (the page id or
the Instagram professional account id), access_token (page access token), app_secret,
verify_token.
"""

from __future__ import annotations

import datetime as dt

from omnicanal.channels.base import (
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRequest,
    check_hub_signature,
    client,
    raise_for,
    require,
)
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage, StatusUpdate

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
OBJECTS = {"page": "facebook", "instagram": "instagram"}


def verify(request: WebhookRequest, inbox) -> None:
    check_hub_signature(request.header("X-Hub-Signature-256"), request.body, inbox.config.get("app_secret", ""))


def channel_of(request: WebhookRequest) -> str | None:
    body = request.json()
    return OBJECTS.get(body.get("object")) if isinstance(body, dict) else None


def account_ids(request: WebhookRequest) -> set[str]:
    body = request.json()
    return {str(e.get("id")) for e in (body.get("entry") or []) if isinstance(e, dict) and e.get("id")}


def parse(request: WebhookRequest, inbox) -> Parsed:
    body = request.json()
    parsed = Parsed()
    channel = OBJECTS.get(body.get("object")) if isinstance(body, dict) else None
    if channel is None:
        return parsed
    for entry in body.get("entry") or []:
        for event in entry.get("messaging") or []:
            sender = str((event.get("sender") or {}).get("id", ""))
            at = dt.datetime.fromtimestamp(event["timestamp"] / 1000, tz=dt.UTC) if event.get("timestamp") else None
            message = event.get("message")
            if message and not message.get("is_echo") and message.get("mid") and sender:
                attachments = [
                    InboundAttachment(f"{a.get('type', 'file')}-{index}", _content_type(a.get("type")),
                                      remote_ref=(a.get("payload") or {}).get("url", ""))
                    for index, a in enumerate(message.get("attachments") or [])
                    if (a.get("payload") or {}).get("url")
                ]
                meta = {}
                if message.get("quick_reply"):
                    meta["reply_id"] = message["quick_reply"].get("payload", "")
                parsed.messages.append(
                    InboundMessage(
                        channel=channel,
                        identities=(IdentityRef(channel, sender),),
                        text=message.get("text", ""),
                        external_id=message["mid"],
                        inbox_id=inbox.public_id,
                        address=sender,
                        sent_at=at,
                        attachments=tuple(attachments),
                        kind="media" if attachments else "text",
                        meta=meta,
                    )
                )
            for mid in (event.get("delivery") or {}).get("mids") or []:
                parsed.statuses.append(StatusUpdate(channel, mid, "delivered", at=at))
            read = event.get("read") or {}
            if read.get("mid"):
                parsed.statuses.append(StatusUpdate(channel, read["mid"], "read", at=at))
    return parsed


def _content_type(kind: str | None) -> str:
    return {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg"}.get(kind or "", "application/octet-stream")


def send(inbox, outbound: Outbound) -> SendResult:
    account_id, token = require(inbox.config, "account_id", "access_token")
    base = (inbox.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
    url = f"{base}/{inbox.config.get('api_version') or DEFAULT_VERSION}/{account_id}/messages"
    payload = {"recipient": {"id": outbound.to}, "messaging_type": "RESPONSE", "message": {"text": outbound.text}}
    if outbound.extra.get("tag"):
        payload["messaging_type"] = "MESSAGE_TAG"
        payload["tag"] = outbound.extra["tag"]
    with client() as http:
        answer = raise_for(http.post(url, json=payload, params={"access_token": token}), "Meta")
    if not answer.get("message_id"):
        raise SendFailed(f"Meta answered without message_id: {answer}")
    return SendResult(external_id=answer["message_id"])


def fetch_media(inbox, url: str) -> tuple[str, bytes]:
    with client() as http:
        response = http.get(url, follow_redirects=True)
        if response.status_code >= 400:
            raise SendFailed(f"Meta media answered {response.status_code}")
        return response.headers.get("content-type", "application/octet-stream"), response.content

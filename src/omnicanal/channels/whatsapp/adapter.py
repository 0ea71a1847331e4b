"""WhatsApp Cloud API: webhook handshake and signature, inbound messages and statuses, sending.

Inbox config: base_url (https://graph.facebook.com), api_version (v21.0), phone_number_id,
access_token, app_secret (signs webhooks), verify_token (the GET handshake), templates
({purpose: {name, language}}: approved templates used outside the 24-hour service window).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes

from omnicanal.channels.base import (
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    check_hub_signature,
    client,
    raise_for,
    require,
    same,
)
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage, StatusUpdate

CHANNEL = "whatsapp"
DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def handshake(query: dict[str, str], verify_token: str) -> str:
    """GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… -> the challenge to echo."""
    if query.get("hub.mode") != "subscribe" or not query.get("hub.verify_token"):
        raise WebhookRejected(401, "not a subscription handshake")
    if not verify_token or not same(query["hub.verify_token"], verify_token):
        raise WebhookRejected(403, "wrong verify token")
    return query.get("hub.challenge", "")


def verify(request: WebhookRequest, inbox) -> None:
    check_hub_signature(request.header("X-Hub-Signature-256"), request.body, inbox.config.get("app_secret", ""))


def phone_number_ids(request: WebhookRequest) -> set[str]:
    """Which business numbers a (verified) delivery is for, to pick the inbox among several."""
    ids = set()
    for entry in _entries(request.json()):
        for change in entry.get("changes") or []:
            pnid = ((change.get("value") or {}).get("metadata") or {}).get("phone_number_id")
            if pnid:
                ids.add(str(pnid))
    return ids


def _entries(body) -> list:
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return []
    return [e for e in body.get("entry") or [] if isinstance(e, dict)]


def _at(timestamp) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (TypeError, ValueError):
        return None


def parse(request: WebhookRequest, inbox) -> Parsed:
    parsed = Parsed()
    for entry in _entries(request.json()):
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "") for c in value.get("contacts") or []}
            for message in value.get("messages") or []:
                parsed.messages.append(_message(message, names, inbox))
            for status in value.get("statuses") or []:
                mapped = STATUSES.get(status.get("status", ""))
                if mapped and status.get("id"):
                    errors = status.get("errors") or [{}]
                    error = (errors[0].get("title") or errors[0].get("message") or "") if mapped == "failed" else ""
                    parsed.statuses.append(
                        StatusUpdate(CHANNEL, status["id"], mapped, at=_at(status.get("timestamp")), error=error)
                    )
    return parsed


def _message(message: dict, names: dict, inbox) -> InboundMessage:
    sender = str(message.get("from", ""))
    kind = message.get("type", "text")
    text, meta, attachments = "", {"type": kind}, []
    if kind == "text":
        text = (message.get("text") or {}).get("body", "")
    elif kind in MEDIA_TYPES:
        media = message.get(kind) or {}
        text = media.get("caption", "")
        content_type = media.get("mime_type", "application/octet-stream").split(";")[0].strip()
        extension = mimetypes.guess_extension(content_type) or ""
        filename = media.get("filename") or f"{kind}-{media.get('id', 'media')}{extension}"
        attachments.append(InboundAttachment(filename=filename, content_type=content_type, remote_ref=str(media.get("id", ""))))
        kind = "media"
    elif kind == "location":
        location = message.get("location") or {}
        meta["location"] = {k: location.get(k) for k in ("latitude", "longitude", "name", "address")}
        place = " — ".join(str(location[k]) for k in ("name", "address") if location.get(k))
        text = f"📍 {place} ({location.get('latitude')}, {location.get('longitude')})".strip()
    elif kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get(interactive.get("type", "")) or {}
        text = reply.get("title", "")
        meta["reply_id"] = reply.get("id", "")
    elif kind == "button":
        button = message.get("button") or {}
        text = button.get("text", "")
        meta["reply_id"] = button.get("payload", "")
        kind = "interactive"
    else:
        text = f"[{kind}]"
    if message.get("context", {}).get("id"):
        meta["in_reply_to"] = message["context"]["id"]
    return InboundMessage(
        channel=CHANNEL,
        identities=(IdentityRef("whatsapp", sender),),
        text=text,
        external_id=str(message.get("id") or "") or _content_id(message),
        inbox_id=inbox.public_id,
        address=sender,
        sent_at=_at(message.get("timestamp")),
        attachments=tuple(attachments),
        name=names.get(sender, ""),
        kind=kind,
        meta=meta,
    )


def _content_id(message: dict) -> str:
    """A message without an id (never seen from Meta, but a retry must not store it twice): the
    hash of its content, sender and timestamp, so each delivery of it gets the same id."""
    canonical = json.dumps(message, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256-" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _base(inbox) -> str:
    config = inbox.config
    return f"{config.get('base_url') or DEFAULT_BASE_URL}".rstrip("/") + "/" + (config.get("api_version") or DEFAULT_VERSION)


def _headers(inbox) -> dict[str, str]:
    (token,) = require(inbox.config, "access_token")
    return {"Authorization": f"Bearer {token}"}


def send(inbox, outbound: Outbound) -> SendResult:
    (phone_number_id,) = require(inbox.config, "phone_number_id")
    url = f"{_base(inbox)}/{phone_number_id}/messages"
    with client() as http:
        ids = []
        for attachment in outbound.attachments:
            media_id = _upload(http, inbox, phone_number_id, attachment)
            kind = _media_kind(attachment.content_type)
            media = {"id": media_id}
            if kind == "document":
                media["filename"] = attachment.filename
            ids.append(_post(http, inbox, url, outbound.to, {"type": kind, kind: media}))
        if outbound.template:
            body = {"type": "template", "template": _template(outbound.template)}
        elif outbound.text or not outbound.attachments:
            body = {"type": "text", "text": {"preview_url": False, "body": outbound.text}}
        else:
            body = None
        if body is not None:
            ids.append(_post(http, inbox, url, outbound.to, body))
    return SendResult(external_id=ids[-1], meta={"all_ids": ids})


def _post(http, inbox, url: str, to: str, body: dict) -> str:
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+"), **body}
    answer = raise_for(http.post(url, json=payload, headers=_headers(inbox)), "WhatsApp")
    messages = answer.get("messages") or []
    if not messages or not messages[0].get("id"):
        raise SendFailed(f"WhatsApp answered without a message id: {answer}")
    return messages[0]["id"]


def _template(template: dict) -> dict:
    body = {"name": template["name"], "language": {"code": template.get("language", "es")}}
    parameters = template.get("parameters") or []
    if parameters:
        body["components"] = [{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]}]
    return body


def _media_kind(content_type: str) -> str:
    major = content_type.split("/")[0]
    return {"image": "image", "audio": "audio", "video": "video"}.get(major, "document")


def _upload(http, inbox, phone_number_id: str, attachment) -> str:
    answer = raise_for(
        http.post(
            f"{_base(inbox)}/{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": attachment.content_type},
            files={"file": (attachment.filename, attachment.content, attachment.content_type)},
            headers=_headers(inbox),
        ),
        "WhatsApp",
    )
    return str(answer["id"])


def fetch_media(inbox, media_id: str) -> tuple[str, bytes]:
    """GET /{media-id} gives a short-lived URL; the file itself needs the same bearer token."""
    with client() as http:
        info = raise_for(http.get(f"{_base(inbox)}/{media_id}", headers=_headers(inbox)), "WhatsApp")
        if not info.get("url"):
            raise SendFailed("WhatsApp media without url", permanent=True)
        response = http.get(info["url"], headers=_headers(inbox))
        if response.status_code >= 400:
            raise SendFailed(f"WhatsApp media download answered {response.status_code}")
        return info.get("mime_type", response.headers.get("content-type", "application/octet-stream")), response.content

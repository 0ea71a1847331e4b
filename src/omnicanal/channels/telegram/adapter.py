"""Telegram Bot API: the webhook's secret token, updates (de-duplicated by update_id), sendMessage.

Inbox config: base_url (https://api.telegram.org), bot_token ("<bot id>:<secret>"), secret_token
(set with setWebhook; Telegram sends it back in X-Telegram-Bot-Api-Secret-Token).
"""

from __future__ import annotations

import datetime as dt

from omnicanal.channels.base import (
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    client,
    raise_for,
    require,
    same,
)
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage

CHANNEL = "telegram"
DEFAULT_BASE_URL = "https://api.telegram.org"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def verify(request: WebhookRequest, inbox) -> None:
    given = request.header(HEADER)
    if not given:
        raise WebhookRejected(401, f"missing {HEADER}")
    expected = inbox.config.get("secret_token", "")
    if not expected or not same(given, expected):
        raise WebhookRejected(403, f"wrong {HEADER}")


def bot_id(inbox) -> str:
    return str(inbox.config.get("bot_token", "")).split(":", 1)[0] or inbox.public_id


def parse(request: WebhookRequest, inbox) -> Parsed:
    update = request.json()
    parsed = Parsed()
    if not isinstance(update, dict) or "update_id" not in update:
        return parsed
    message = update.get("message") or update.get("business_message")
    callback = update.get("callback_query")
    if callback and not message:
        message = {**(callback.get("message") or {}), "from": callback.get("from") or {}, "text": callback.get("data", "")}
    if not message or (message.get("from") or {}).get("is_bot"):
        return parsed
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    text = message.get("text") or message.get("caption") or ""
    meta: dict = {"update_id": update["update_id"], "message_id": message.get("message_id")}
    kind, attachments = "text", []
    identities = [IdentityRef("telegram", str(sender.get("id") or chat.get("id")))]
    if message.get("photo"):
        biggest = max(message["photo"], key=lambda p: p.get("file_size", 0) or p.get("width", 0))
        attachments.append(InboundAttachment(f"photo-{biggest.get('file_unique_id', 'telegram')}.jpg", "image/jpeg",
                                             remote_ref=biggest.get("file_id", "")))
        kind = "media"
    elif message.get("document"):
        document = message["document"]
        attachments.append(InboundAttachment(document.get("file_name", "document"),
                                             document.get("mime_type", "application/octet-stream"),
                                             remote_ref=document.get("file_id", "")))
        kind = "media"
    elif message.get("location"):
        location = message["location"]
        meta["location"] = location
        text = text or f"📍 ({location.get('latitude')}, {location.get('longitude')})"
        kind = "location"
    elif message.get("contact"):
        contact = message["contact"]
        # A shared contact of the sender themself (user_id matches) is their verified phone.
        if contact.get("phone_number") and contact.get("user_id") == sender.get("id"):
            identities.append(IdentityRef("phone", contact["phone_number"], verified=True))
        text = text or f"☎ {contact.get('phone_number', '')}"
    if callback:
        kind = "interactive"
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
    date = message.get("date")
    parsed.messages.append(
        InboundMessage(
            channel=CHANNEL,
            identities=tuple(identities),
            text=text,
            external_id=f"{bot_id(inbox)}:{update['update_id']}",
            inbox_id=inbox.public_id,
            address=str(chat.get("id") or sender.get("id")),
            sent_at=dt.datetime.fromtimestamp(int(date), tz=dt.UTC) if date else None,
            attachments=tuple(attachments),
            name=name,
            language=(sender.get("language_code") or "")[:2],
            kind=kind,
            meta=meta,
        )
    )
    return parsed


def _api(inbox, method: str) -> str:
    (token,) = require(inbox.config, "bot_token")
    return f"{(inbox.config.get('base_url') or DEFAULT_BASE_URL).rstrip('/')}/bot{token}/{method}"


def _result(answer: dict) -> dict:
    if not answer.get("ok"):
        raise SendFailed(f"Telegram refused: {answer.get('description', answer)}", permanent=True)
    return answer.get("result") or {}


def send(inbox, outbound: Outbound) -> SendResult:
    ids = []
    with client() as http:
        for attachment in outbound.attachments:
            answer = raise_for(
                http.post(
                    _api(inbox, "sendDocument"),
                    data={"chat_id": outbound.to},
                    files={"document": (attachment.filename, attachment.content, attachment.content_type)},
                ),
                "Telegram",
            )
            ids.append(_result(answer).get("message_id"))
        if outbound.text or not outbound.attachments:
            answer = raise_for(
                http.post(_api(inbox, "sendMessage"), json={"chat_id": outbound.to, "text": outbound.text}), "Telegram"
            )
            ids.append(_result(answer).get("message_id"))
    return SendResult(external_id=f"{bot_id(inbox)}:out:{outbound.to}:{ids[-1]}")


def fetch_media(inbox, file_id: str) -> tuple[str, bytes]:
    with client() as http:
        info = _result(raise_for(http.post(_api(inbox, "getFile"), json={"file_id": file_id}), "Telegram"))
        token = inbox.config["bot_token"]
        base = (inbox.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        response = http.get(f"{base}/file/bot{token}/{info.get('file_path', '')}")
        if response.status_code >= 400:
            raise SendFailed(f"Telegram file download answered {response.status_code}")
        return response.headers.get("content-type", "application/octet-stream"), response.content

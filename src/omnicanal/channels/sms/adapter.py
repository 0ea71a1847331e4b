"""SMS in Twilio's format: signed form webhooks, opt-out keywords, status callbacks, sending.

Inbox config: base_url (https://api.twilio.com), account_sid, auth_token (signs webhooks and
authenticates sending), from_number or messaging_service_sid, webhook_url (the public URL exactly
as configured at Twilio: the signature covers it; default: the URL the request arrived at),
status_callback_url (optional).
"""

from __future__ import annotations

from omnicanal.channels.base import (
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    client,
    hmac_b64,
    raise_for,
    require,
    same,
)
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage, StatusUpdate

CHANNEL = "sms"
DEFAULT_BASE_URL = "https://api.twilio.com"
HEADER = "X-Twilio-Signature"
OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "baja"})
OPT_IN = frozenset({"start", "yes", "unstop", "alta"})
STATUSES = {
    "queued": None, "accepted": None, "sending": None, "scheduled": None,
    "sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed",
}


def signature(url: str, params: list[tuple[str, str]], auth_token: str) -> str:
    """Twilio's scheme: base64(HMAC-SHA1(auth token, URL + each param name+value sorted by name))."""
    data = url + "".join(name + value for name, value in sorted(params, key=lambda pair: pair[0]))
    return hmac_b64(auth_token, data.encode("utf-8"))


def verify(request: WebhookRequest, inbox) -> None:
    given = request.header(HEADER)
    if not given:
        raise WebhookRejected(401, f"missing {HEADER}")
    token = inbox.config.get("auth_token", "")
    url = inbox.config.get("webhook_url") or request.url
    if not token or not same(given.strip(), signature(url, request.form_pairs(), token)):
        raise WebhookRejected(403, f"bad {HEADER}")


def keyword(text: str) -> str:
    return text.strip().strip(".!¡").lower()


def parse(request: WebhookRequest, inbox) -> Parsed:
    form = request.form()
    parsed = Parsed()
    if form.get("MessageStatus") and "Body" not in form:
        mapped = STATUSES.get(form["MessageStatus"].lower())
        if mapped and form.get("MessageSid"):
            error = form.get("ErrorMessage") or form.get("ErrorCode", "")
            parsed.statuses.append(StatusUpdate(CHANNEL, form["MessageSid"], mapped, error=error if mapped == "failed" else ""))
        return parsed
    sender = form.get("From", "")
    sid = form.get("MessageSid") or form.get("SmsSid", "")
    if not sender or not sid:
        return parsed
    body = form.get("Body", "")
    attachments = []
    for index in range(int(form.get("NumMedia", "0") or 0)):
        url = form.get(f"MediaUrl{index}", "")
        if url:
            content_type = form.get(f"MediaContentType{index}", "application/octet-stream")
            attachments.append(InboundAttachment(f"mms-{sid}-{index}", content_type, remote_ref=url))
    word = keyword(body)
    if word in OPT_OUT:
        parsed.consent_changes.append((sender, "opt_out", word))
    elif word in OPT_IN:
        parsed.consent_changes.append((sender, "opt_in", word))
    parsed.messages.append(
        InboundMessage(
            channel=CHANNEL,
            identities=(IdentityRef("phone", sender),),
            text=body,
            external_id=sid,
            inbox_id=inbox.public_id,
            address=sender,
            attachments=tuple(attachments),
            kind="media" if attachments else "text",
            meta={"to": form.get("To", ""), **({"keyword": word} if parsed.consent_changes else {})},
        )
    )
    return parsed


def send(inbox, outbound: Outbound) -> SendResult:
    sid, token = require(inbox.config, "account_sid", "auth_token")
    config = inbox.config
    data = {"To": outbound.to, "Body": outbound.text}
    if config.get("messaging_service_sid"):
        data["MessagingServiceSid"] = config["messaging_service_sid"]
    elif config.get("from_number"):
        data["From"] = config["from_number"]
    else:
        raise SendFailed("inbox config lacks from_number or messaging_service_sid", permanent=True)
    if config.get("status_callback_url"):
        data["StatusCallback"] = config["status_callback_url"]
    url = f"{(config.get('base_url') or DEFAULT_BASE_URL).rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    with client() as http:
        answer = raise_for(http.post(url, data=data, auth=(sid, token)), "Twilio")
    if not answer.get("sid"):
        raise SendFailed(f"Twilio answered without a sid: {answer}")
    return SendResult(external_id=answer["sid"], status="failed" if answer.get("status") == "failed" else "sent")


def fetch_media(inbox, url: str) -> tuple[str, bytes]:
    sid, token = require(inbox.config, "account_sid", "auth_token")
    with client() as http:
        response = http.get(url, auth=(sid, token), follow_redirects=True)
        if response.status_code >= 400:
            raise SendFailed(f"Twilio media answered {response.status_code}")
        return response.headers.get("content-type", "application/octet-stream"), response.content

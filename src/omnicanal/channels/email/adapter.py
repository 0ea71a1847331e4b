"""Email: inbound as raw MIME or JSON at /webhooks/email (HMAC-signed), an IMAP poller, SMTP out.

Inbox config: from_address, from_name, smtp_host, smtp_port (587), smtp_username, smtp_password,
smtp_starttls (true), smtp_ssl (false), webhook_secret (the inbound webhook's HMAC key), and for
polling imap_host, imap_port, imap_username, imap_password, imap_ssl (true), imap_folder (INBOX).

The webhook is signed like our other generic webhooks: header X-Omnicanal-Signature:
"sha256=" + hex HMAC-SHA256 of the raw body with the inbox's webhook_secret.
Threading: replies carry In-Reply-To and References of the message they answer; inbound mail keeps
its Message-ID (the de-duplication key), In-Reply-To and References.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import email.utils
import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from omnicanal.channels.base import (
    SIGNATURE_HEADER,
    Outbound,
    Parsed,
    SendFailed,
    SendResult,
    WebhookRequest,
    check_body_signature,
    require,
)
from omnicanal.channels.email.text import html_to_text, strip_quoted
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage

CHANNEL = "email"
MAX_ATTACHMENT = 20 * 1024 * 1024


def verify(request: WebhookRequest, inbox) -> None:
    check_body_signature(request.header(SIGNATURE_HEADER), request.body, inbox.config.get("webhook_secret", ""))


def parse(request: WebhookRequest, inbox) -> Parsed:
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        message = from_json(request.json(), inbox)
    else:
        message = from_mime(request.body, inbox)
    return Parsed(messages=[message] if message else [])


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").split() if part.startswith("<") and part.endswith(">"))


def _message(*, inbox, sender: str, name: str, subject: str, text: str, html: str, message_id: str,
             in_reply_to: str, references: tuple[str, ...], attachments, raw_digest: str,
             sent_at=None) -> InboundMessage | None:
    address = email.utils.parseaddr(sender)[1].strip().lower()
    if not address:
        return None
    body = text.strip() or (html_to_text(html) if html else "")
    return InboundMessage(
        channel=CHANNEL,
        identities=(IdentityRef("email", address),),
        text=strip_quoted(body),
        external_id=message_id or f"<sha256-{raw_digest}>",
        inbox_id=inbox.public_id,
        address=address,
        sent_at=sent_at,
        attachments=tuple(attachments),
        name=name,
        kind="email",
        meta={"subject": subject, "message_id": message_id, "in_reply_to": in_reply_to, "references": list(references)},
    )


def from_mime(raw: bytes, inbox) -> InboundMessage | None:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    name, _address = email.utils.parseaddr(str(parsed.get("From", "")))
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    attachments = []
    for part in parsed.iter_attachments():
        content = part.get_payload(decode=True) or b""
        if len(content) <= MAX_ATTACHMENT:
            attachments.append(InboundAttachment(part.get_filename() or "attachment", part.get_content_type(), content))
    date = parsed.get("Date")
    try:
        sent_at = email.utils.parsedate_to_datetime(str(date)) if date else None
    except (TypeError, ValueError):
        sent_at = None
    return _message(
        inbox=inbox,
        sender=str(parsed.get("From", "")),
        name=name,
        subject=str(parsed.get("Subject", "")),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        message_id=str(parsed.get("Message-ID", "")).strip(),
        in_reply_to=str(parsed.get("In-Reply-To", "")).strip(),
        references=_ids(str(parsed.get("References", ""))),
        attachments=attachments,
        raw_digest=hashlib.sha256(raw).hexdigest()[:32],
        sent_at=sent_at,
    )


def from_json(body: dict, inbox) -> InboundMessage | None:
    """{from, subject, text, html, message_id, in_reply_to, references, attachments: [{filename,
    content_type, content_base64}]} — the shape most inbound-mail relays can be told to post."""
    if not isinstance(body, dict):
        return None
    attachments = []
    for item in body.get("attachments") or []:
        try:
            content = base64.b64decode(item.get("content_base64", ""), validate=True)
        except (binascii.Error, ValueError):
            continue
        attachments.append(InboundAttachment(item.get("filename", "attachment"), item.get("content_type", "application/octet-stream"), content))
    references = body.get("references") or ()
    if isinstance(references, str):
        references = _ids(references)
    sender = str(body.get("from", ""))
    return _message(
        inbox=inbox,
        sender=sender,
        name=email.utils.parseaddr(sender)[0],
        subject=str(body.get("subject", "")),
        text=str(body.get("text", "")),
        html=str(body.get("html", "")),
        message_id=str(body.get("message_id", "")).strip(),
        in_reply_to=str(body.get("in_reply_to", "")).strip(),
        references=tuple(references),
        attachments=attachments,
        raw_digest=hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:32],
    )


def compose(inbox, outbound: Outbound) -> EmailMessage:
    (from_address,) = require(inbox.config, "from_address")
    domain = from_address.rsplit("@", 1)[-1]
    message = EmailMessage()
    message["From"] = email.utils.formataddr((inbox.config.get("from_name", ""), from_address))
    message["To"] = outbound.to
    message["Subject"] = outbound.subject or inbox.config.get("default_subject", "") or inbox.name
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(idstring=outbound.message_id, domain=domain)
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
        message["References"] = " ".join([*outbound.references, outbound.in_reply_to][-10:])
    message.set_content(outbound.text)
    if outbound.extra.get("html"):  # a campaign's HTML part, beside the text (multipart/alternative)
        message.add_alternative(outbound.extra["html"], subtype="html")
    for attachment in outbound.attachments:
        major, _slash, minor = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=major or "application", subtype=minor or "octet-stream",
                               filename=attachment.filename)
    return message


def send(inbox, outbound: Outbound) -> SendResult:
    config = inbox.config
    (host,) = require(config, "smtp_host")
    message = compose(inbox, outbound)
    port = int(config.get("smtp_port") or 587)
    try:
        if config.get("smtp_ssl"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=10, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=10)
        with smtp:
            if config.get("smtp_starttls") and not config.get("smtp_ssl"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("smtp_username"):
                smtp.login(config["smtp_username"], config.get("smtp_password", ""))
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendFailed(f"SMTP refused the recipient: {exc}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"SMTP failed: {exc}") from exc
    return SendResult(external_id=str(message["Message-ID"]), meta={"message_id": str(message["Message-ID"])})

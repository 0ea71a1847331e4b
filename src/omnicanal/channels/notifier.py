"""One notifier for transactional messages: order confirmed, ready for pickup, shipped with
tracking, return received, refund issued.

Each message has one template per language (templates/channels/notifications/<key>.<lang>.txt: the
first line is the subject, the rest the body), rendered to each channel's format and limits: email
gets subject and body, SMS one short paragraph (at most two segments), chat channels the body,
WhatsApp outside its 24-hour window the inbox's approved template (config "templates": {key:
{name, language}}) with the message's parameters. The channel is the customer's preferred one for
transactional messages, then WhatsApp, email, SMS, Telegram, Messenger, Instagram: the first where
they are reachable, have not withdrawn consent and the message can go now.

The handlers subscribe to the orders domain's topics by name (channels may not import orders) and
read the payload fields documented in docs/inbox.md.

A POS sale with "receipt by email" (OrderPlaced.receipt_email) gets the receipt instead of the order
confirmation: by email, to exactly the address the buyer typed, whatever their preferred channel
(they asked for it there and then). Only when it cannot go (no email inbox, email withdrawn) does the
usual confirmation go instead; a bounce falls back like any notification.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from omnicanal.channels.models import Inbox
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import services as conversations
from omnicanal.conversations.contract import spec
from omnicanal.core import local_time, outbox
from omnicanal.core.errors import NotFound, Problem
from omnicanal.core.hours import zone
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers

log = logging.getLogger(__name__)

TOPICS = {
    "orders.OrderPlaced": "order_confirmed",
    "orders.FulfillmentReady": "ready_for_pickup",
    "orders.FulfillmentShipped": "shipped",
    "orders.TrackingResent": "shipped",  # an agent sent the tracking again from the thread
    "orders.ReturnReceived": "return_received",
    "orders.RefundIssued": "refund_issued",
    "orders.ReturnLabelCreated": "return_label",  # a return by mail: the link to print its label
}
# Parameters of the WhatsApp template of each message, in order.
TEMPLATE_PARAMETERS = {
    "order_confirmed": ("order_number",),
    "ready_for_pickup": ("order_number", "location", "pickup_code"),
    "shipped": ("order_number", "carrier", "tracking"),
    "return_received": ("order_number",),
    "refund_issued": ("order_number", "amount"),
    "return_label": ("order_number", "carrier", "label_url"),
    "sign_in_code": ("code",),
}


def register_template(key: str, parameters: tuple[str, ...]) -> None:
    """A higher domain's message that may go as an approved WhatsApp template outside the window (the
    inbox's config "templates": {key: {name, language}}), with these context values as its parameters
    in order: feedback's survey invitation and review request (feedback/hooks.py)."""
    TEMPLATE_PARAMETERS[key] = tuple(parameters)
# The receipt's words for OrderPlaced's payment methods.
PAYMENT_LABELS = {
    "cash": _("Cash"), "card": _("Card"), "card_present": _("Card"), "stored_value": _("Stored value"),
    "points": _("Points"), "gift_card": _("Gift card"), "store_credit": _("Store credit"), "wallet": _("Wallet"),
}
FALLBACK = ("whatsapp", "email", "sms", "telegram", "facebook", "instagram")
SMS_LIMIT = 306  # two concatenated GSM-7 segments


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(key: str, language: str, context: dict) -> Rendered:
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    template = get_template(f"channels/notifications/{key}.{language}.txt")
    text = Template(template.template.source).render(Context(context, autoescape=False))
    subject, _, body = text.strip().partition("\n")
    return Rendered(subject=subject.strip(), body=body.strip())


def for_channel(channel: str, rendered: Rendered) -> str:
    body = " ".join(rendered.body.split()) if channel == "sms" else rendered.body
    limit = SMS_LIMIT if channel == "sms" else (spec(channel).max_text if spec(channel) else 4096)
    return body if len(body) <= limit else body[: limit - 1].rstrip() + "…"


def _money(value) -> str:
    if isinstance(value, dict) and value.get("amount") is not None:
        try:
            return Money.of(value["amount"], value.get("currency")).format()
        except (ValueError, TypeError):
            return ""
    return str(value or "")


def context_for(payload: dict, customer: customers.CustomerSummary) -> dict:
    return {
        "name": (customer.name or "").split(" ")[0],
        "order_number": payload.get("order_number") or "",
        "total": _money(payload.get("total")),
        "amount": _money(payload.get("amount")),
        "location": payload.get("location_name") or payload.get("location") or "",
        "pickup_code": payload.get("pickup_code") or "",
        "carrier": payload.get("carrier") or "",
        "tracking": payload.get("tracking") or "",
        "tracking_url": payload.get("tracking_url") or "",
        "return_number": payload.get("return_number") or "",
        "label_url": payload.get("label_url") or "",
        "business": settings.OMNICANAL["BUSINESS_NAME"],
    }


def candidates(customer: customers.CustomerSummary) -> list[str]:
    preferred = customer.preferred_channel  # for transactional messages
    order = [preferred] if preferred else []
    return [c for c in dict.fromkeys([*order, *FALLBACK]) if c]


def approved_template(channel: str, key: str, context: dict, language: str) -> dict | None:
    """The approved template the channel's inbox names for `key` with its parameters, or None."""
    inbox = Inbox.objects.filter(channel=channel, active=True).order_by("pk").first()
    configured = ((inbox.config.get("templates") or {}) if inbox else {}).get(key)
    if not configured:
        return None
    return {"name": configured["name"], "language": configured.get("language", language),
            "parameters": [context.get(p) or "-" for p in TEMPLATE_PARAMETERS[key]]}


def ways(channel: str, key: str, context: dict, language: str) -> list[dict | None]:
    """How a message may go on a channel, in order: free text (None), then, on a channel with a reply
    window (WhatsApp), the approved template for `key` when its inbox names one."""
    found: list[dict | None] = [None]
    channel_spec = spec(channel)
    if channel_spec is not None and channel_spec.reply_window is not None:
        template = approved_template(channel, key, context, language)
        if template is not None:
            found.append(template)
    return found


def do_send_notification(*, key: str, payload: dict, topic: str = "", tried: tuple[str, ...] = ()) -> str | None:
    """Send one notification; returns the channel used, or None when no channel could take it.
    Channels in `tried` (a send that failed there) are skipped."""
    active = set(Inbox.objects.filter(active=True).values_list("channel", flat=True))
    if not active:  # nothing set up yet (e.g. while the demo loads orders before the inboxes)
        return None
    try:
        customer = customers.customer_summary(str(payload.get("customer_id") or ""))
    except NotFound:
        log.warning("notification %s for an unknown customer %r skipped", key, payload.get("customer_id"))
        return None
    language = customer.language or settings.LANGUAGE_CODE
    context = context_for(payload, customer)
    rendered = render(key, language, context)
    for channel in candidates(customer):
        if channel in tried:
            continue
        if channel not in active or not customers.reachable_on(customer.id, channel):
            continue
        if not customers.may_contact(customer.id, channel, "transactional"):
            continue
        text = for_channel(channel, rendered)
        # free text first; outside a reply window, the approved template
        for template in ways(channel, key, context, language):
            try:
                with transaction.atomic():
                    conversations.do_notify(customer_id=customer.id, channel=channel, text=text, template=template,
                                            topic=topic, subject=rendered.subject,
                                            retry={"key": key, "payload": payload, "tried": [*tried, channel]})
                return channel
            except Problem:
                continue  # window closed, no address…: the next way, then the next channel
    log.info("notification %s for %s found no channel", key, customer.id)
    return None


def receipt_context(payload: dict, customer: customers.CustomerSummary, language: str) -> dict:
    """The receipt's facts from OrderPlaced (its `receipt` part), money in the reader's language."""
    facts = payload.get("receipt") or {}

    def money(value) -> str:
        try:
            return Money.of(value["amount"], value.get("currency")).format(language)
        except (KeyError, TypeError, ValueError):
            return ""

    taxes = facts.get("tax_lines") or []
    placed = facts.get("placed_at") or ""
    with translation.override(language):
        payments = [f"{PAYMENT_LABELS.get(p.get('method'), p.get('method'))} {money(p.get('amount'))}"
                    for p in facts.get("payments") or []]
    return {
        **context_for(payload, customer),
        "total": money(payload.get("total")),
        "store": facts.get("location_name") or facts.get("location") or "",
        # stored UTC; the customer reads the business's clock (core.local_time), not UTC
        "date": (dt.datetime.fromisoformat(placed).astimezone(zone(local_time.business_zone_name()))
                 .strftime("%d-%m-%Y %H:%M") if placed else ""),
        "lines": [{"title": line.get("title") or line.get("sku", ""), "quantity": line.get("quantity"),
                   "amount": money(line.get("amount"))} for line in facts.get("lines") or []],
        "tax": money(taxes[0]["amount"]) if taxes else "",
        "tax_rate": taxes[0].get("rate", "") if taxes else "",
        "payments": ", ".join(payments),
    }


def do_send_receipt(*, payload: dict, topic: str = "") -> str | None:
    """Email the receipt to OrderPlaced's receipt_email (the buyer's own profile holds the message,
    even when the address belongs to another profile); returns "email", or None when it cannot go."""
    address = str(payload.get("receipt_email") or "")
    if not address or not Inbox.objects.filter(channel="email", active=True).exists():
        return None
    try:
        customer = customers.customer_summary(str(payload.get("customer_id") or ""))
    except NotFound:
        log.warning("receipt for an unknown customer %r skipped", payload.get("customer_id"))
        return None
    language = customer.language or settings.LANGUAGE_CODE
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    rendered = render("receipt", language, receipt_context(payload, customer, language))
    try:
        with transaction.atomic():
            # A bounce falls back to the confirmation on the customer's other channels.
            conversations.do_notify(customer_id=customer.id, channel="email", text=rendered.body, topic=topic,
                                    subject=rendered.subject, to=address,
                                    retry={"key": "order_confirmed", "payload": payload, "tried": ["email"]})
    except Problem as problem:
        log.info("receipt for %s not sent: %s", customer.id, problem)
        return None
    return "email"


def do_send_code(*, customer_id: str, address: str, channels: tuple[str, ...], code: str, minutes: int) -> str | None:
    """A shop's one-time sign-in code (storefront), to exactly the address the shopper typed, on the
    first of `channels` with an active inbox that takes it (WhatsApp outside its window: the approved
    `sign_in_code` template); returns that channel, or None. It is written into the customer's
    thread like any notification, so a sandboxed inbox (the demo) shows it in the outbound log."""
    active = set(Inbox.objects.filter(active=True).values_list("channel", flat=True))
    customer = customers.customer_summary(customer_id)
    language = customer.language or settings.LANGUAGE_CODE
    context = {"code": code, "minutes": minutes, "business": settings.OMNICANAL["BUSINESS_NAME"]}
    rendered = render("sign_in_code", language, context)
    for channel in channels:
        if channel not in active:
            continue
        for template in ways(channel, "sign_in_code", context, language):
            try:
                with transaction.atomic():
                    conversations.do_notify(customer_id=customer.id, channel=channel,
                                            text=for_channel(channel, rendered), template=template,
                                            topic="storefront.sign_in_code", subject=rendered.subject, to=address)
                return channel
            except Problem:
                continue  # window closed, consent withdrawn…: the next way, then the next channel
    log.info("sign-in code for %s found no channel", customer.id)
    return None


def _handler(topic: str, key: str):
    def handle(event: outbox.Envelope) -> None:
        if key == "order_confirmed" and event.payload.get("receipt_email"):
            if do_send_receipt(payload=event.payload, topic=topic) is not None:
                return  # the receipt the buyer asked for replaces the confirmation
        do_send_notification(key=key, payload=event.payload, topic=topic)

    handle.__name__ = handle.__qualname__ = f"notify_{key}"
    return handle


for _topic, _key in TOPICS.items():
    outbox.handles(_topic, background=True)(_handler(_topic, _key))


@outbox.handles("conversations.DeliveryUpdated", background=True)
def fall_back_after_a_failed_notification(event: outbox.Envelope) -> None:
    """A notification the provider refused (a closed number, a bounced address) goes out again on
    the customer's next consented channel, never twice on one."""
    if event["status"] != "failed":
        return
    view = conversations_queries.outbound(event["message_id"])
    retry = (view.meta or {}).get("retry") if view is not None else None
    if not retry:
        return
    do_send_notification(key=retry["key"], payload=retry["payload"], topic=view.meta.get("notification", ""),
                         tried=tuple(retry.get("tried") or ()))

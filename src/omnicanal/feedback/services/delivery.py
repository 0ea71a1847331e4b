"""Taking a survey's link (or a review request) to the customer, after the commit that made the send
(feedback's handlers of SurveySent and ReviewRequested; the worker's relay retries a failure).

Where: inline in the web chat when the trigger was a web chat conversation (the customer is there:
the message goes into that conversation, like the inbox's CSAT question, without asking for a
`surveys` grant); otherwise by the customer's preferred channel for `surveys`, then email, WhatsApp,
SMS: the first where they granted `surveys`, are reachable and the message can go now (WhatsApp's
free text inside its 24-hour window; outside it the approved template the WhatsApp inbox names for
`survey` or `review_request`, through the channels notifier's `ways`: TEMPLATE_PARAMETERS below).
Nothing granted: not sent, `no_consent` recorded on the send; granted but nowhere reachable:
`no_channel`. Written through conversations' notifier (`do_notify`), so the agent sees what the
customer was sent; es/en by the send's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from omnicanal.conversations import services as conversations
from omnicanal.core.errors import NotFound, Problem
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.feedback.models import DueSend, RewardKind, SurveySend

log = logging.getLogger(__name__)

PURPOSE = "surveys"
CHANNELS = ("email", "whatsapp", "sms")  # where a link can go, after the preferred one
SURVEY_TOPIC = "survey"
REVIEW_TOPIC = "review_request"
DELIVERED, NOT_SENT = "delivered", "not_sent"
# The approved WhatsApp templates' parameters, in order ({{1}}, {{2}}…): the first name, the product
# (a review request), the absolute link. hooks.py declares them to the channels notifier.
TEMPLATE_PARAMETERS = {SURVEY_TOPIC: ("name", "link"), REVIEW_TOPIC: ("name", "product", "link")}


def absolute(path: str) -> str:
    return f"{(settings.OMNICANAL.get('PUBLIC_URL') or '').rstrip('/')}{path}"


def survey_link(send: SurveySend) -> str:
    from omnicanal.feedback.services.surveys import link_token

    return absolute(reverse("feedback-survey", args=[link_token(send)]))


def ways(customer_id: str) -> tuple[list[str], str]:
    """The channels this customer may get a survey on now, preferred first; or why there are none."""
    try:
        summary = customers.customer_summary(customer_id)
    except NotFound:
        return [], "no_consent"
    if summary.erased:
        return [], "no_consent"
    preferred = summary.preferred_for(PURPOSE)
    order = [c for c in dict.fromkeys([preferred, *CHANNELS]) if c]
    granted = customers.granted_channels([summary.id], PURPOSE).get(summary.id, frozenset())
    found, reason = [], "no_consent"
    for channel in order:
        if channel not in granted or not customers.may_contact(summary.id, channel, PURPOSE):
            continue
        if not customers.reachable_on(summary.id, channel):
            reason = "no_channel"
            continue
        found.append(channel)
    return found, reason


def reward_line(reward_kind: str, reward_value) -> str:
    """What answering earns, in the active language ("" without a reward). Points say "up to": loyalty's
    `survey` rule may give fewer than the survey's value, never more."""
    value = Decimal(reward_value or 0)
    if reward_kind == RewardKind.POINTS:
        return (_("Answering earns you up to %(n)s points.") % {"n": int(value)} if value
                else _("Answering earns you points."))
    if reward_kind == RewardKind.COUPON:
        return _("Answering earns you a %(n)s%% discount coupon.") % {"n": f"{value.normalize():f}"}
    if reward_kind == RewardKind.STORE_CREDIT:
        return _("Answering earns you %(amount)s in store credit.") % {"amount": Money.of(value).format()}
    return ""


@dataclass(frozen=True)
class Invitation:
    """One message in the customer's language: the email's subject, the text, and the values an
    approved template takes (TEMPLATE_PARAMETERS)."""

    topic: str
    language: str
    subject: str
    text: str
    values: dict


def invitation(language: str, name: str, link: str, *, review_of: str = "", reward_kind: str = "",
               reward_value=0) -> Invitation:
    """The invitation every channel carries (the email's subject; the link last; the values an approved
    template takes). The console builder's preview renders through this very function, so what it
    shows is what is sent."""
    first = (name or "").split(" ")[0]
    with translation.override(language):
        hello = _("Hi %(name)s!") % {"name": first} if first else _("Hi!")
        if review_of:
            subject = _("How is your %(product)s working out?") % {"product": review_of}
            text = _("You have had your %(product)s for a while: would you review it for other shoppers? "
                     "%(link)s") % {"product": review_of, "link": link}
        else:
            subject = _("Tell us how we did")
            text = _("How was your experience? It takes a minute: %(link)s") % {"link": link}
            reward = reward_line(reward_kind, reward_value)
            hello = f"{hello} {reward}" if reward else hello
    return Invitation(topic=REVIEW_TOPIC if review_of else SURVEY_TOPIC, language=language, subject=subject,
                      text=f"{hello} {text}", values={"name": first, "product": review_of, "link": link})


def _inline(context: dict) -> str:
    """The web chat conversation to answer in, when the trigger was one."""
    return context.get("conversation_id", "") if context.get("channel") == "webchat" else ""


def _write(customer_id: str, context: dict, invitation: Invitation) -> tuple[str, str, str]:
    """(channel, message id, reason): the first way that takes the message."""
    from omnicanal.channels import notifier

    topic, text = invitation.topic, invitation.text
    conversation_id = _inline(context)
    if conversation_id:
        try:
            with transaction.atomic():
                message = conversations.do_send(conversation=conversation_id, text=text, channel="webchat",
                                                author="system", kind="notification",
                                                meta={"notification": topic}, check_consent=False)
            return "webchat", message.public_id, ""
        except (Problem, NotFound) as problem:  # the visitor left the chat: by their channels instead
            log.info("inline %s in %s not written: %s", topic, conversation_id, problem)
    channels, reason = ways(customer_id)
    for channel in channels:
        # free text first; outside WhatsApp's window, the approved template (when its inbox names one)
        for template in notifier.ways(channel, topic, invitation.values, invitation.language):
            try:
                with transaction.atomic():
                    message = conversations.do_notify(
                        customer_id=customer_id, channel=channel, text=text, template=template, topic=topic,
                        subject=invitation.subject if channel == "email" else "")
                return channel, message.public_id, ""
            except Problem as problem:  # the window closed, no address…: the next way, then the next channel
                log.info("%s for %s not sent on %s: %s", topic, customer_id, channel, problem)
                reason = "no_channel"
    return "", "", reason


def do_deliver_send(*, send_id: str) -> SurveySend | None:
    """Deliver a survey send once (its row locked; a delivered or refused one is left alone)."""
    send = SurveySend.objects.select_for_update().select_related("survey").filter(public_id=send_id).first()
    if send is None or send.delivery or not send.customer_id:
        return send
    try:
        name = customers.customer_summary(send.customer_id).name
    except NotFound:
        name = ""
    message = invitation(send.language, name, survey_link(send), reward_kind=send.survey.reward_kind,
                         reward_value=send.survey.reward_value)
    channel, message_id, reason = _write(send.customer_id, send.context, message)
    send.channel, send.message_id = channel, message_id
    send.delivery, send.delivery_reason = (DELIVERED, "") if channel else (NOT_SENT, reason)
    send.save(update_fields=["channel", "message_id", "delivery", "delivery_reason"])
    return send


def do_deliver_review_request(*, due_id: int, link: str) -> DueSend | None:
    """Deliver a review request once (its row locked; where it went, or why not, is kept on it)."""
    due = DueSend.objects.select_for_update().filter(pk=due_id).first()
    if due is None or due.channel or due.reason in ("no_consent", "no_channel", "gone"):
        return due
    try:
        summary = customers.customer_summary(due.customer_id)
    except NotFound:
        due.reason = "gone"
        due.save(update_fields=["reason"])
        return due
    language = summary.language if summary.language in ("es", "en") else "es"
    message = invitation(language, summary.name, link,
                         review_of=due.context.get("title") or due.context.get("sku", ""))
    channel, _message_id, reason = _write(due.customer_id, due.context, message)
    due.channel, due.reason = channel, reason
    due.save(update_fields=["channel", "reason"])
    return due

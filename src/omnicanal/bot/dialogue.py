"""The bot's turn: an inbound message in, one answer out through conversations' reply path.

`respond(message_id)` runs after the commit of the message (handlers.py) in a transaction of its
own. It stays out of it when the message is not a customer's, the channel is not a messaging one,
the inbox's bot is off (it is until staff turn it on), or a person handles the conversation (Conversation.bot == "handed_off").
Otherwise: understand (nlu.parse), maybe hand off, continue the pending question or start the new
intent's skill, answer, and remember the context (bot.models.DialogueContext, 30 minutes).

Hand-off (docs/bot.md, Hand-off rules): the `human` intent, a keyword of the inbox's list, a
sentiment below its threshold, twice in a row a message it could not place, or a skill's own reason
(three failed verifications, a refused return). The bot then says who answers and when (the team's
business hours), leaves the agent a note with the summary, and steps back (do_hand_to_person).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.conf import settings as django_settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from omnicanal.bot import nlu, queries, registry, services, skills
from omnicanal.bot.queries import Context, Settings
from omnicanal.channels import queries as channels
from omnicanal.conversations import queries as conversations
from omnicanal.conversations import services as conversation_services
from omnicanal.core.auth import SYSTEM
from omnicanal.core.hours import zone

BOT = dataclasses.replace(SYSTEM, id="bot", name="Bot")
SLOT_KINDS = ("order_number", "sku", "product", "location", "size", "email", "phone")


def respond(message_id: str, turn: conversations.BotTurn | None = None,
            settings_for: Callable[[str], Settings] = queries.settings_for) -> str | None:
    """Answer one inbound message; the text it sent (None when it stayed silent). A worker's batch
    hands the turn it read for the message (when still current) and its inbox settings' lookup."""
    turn = turn or conversations.bot_turn(message_id)
    claimed = _claimed(turn) if turn is not None else None
    if claimed:
        return claimed
    if turn is None or not _takes_part(turn):
        return None
    bot_settings = settings_for(turn.inbox_id)
    if not bot_settings.enabled:
        return None
    context = queries.context_of(turn.conversation_id)
    # A message with no words to judge by (an email, an order number) is in the conversation's language.
    wordless = not _words(turn.text)
    understood = nlu.parse(turn.text, language=(context.language or turn.language or None) if wordless else None)
    with translation.override(understood.language):
        answer, context = decide(turn=_skill_turn(turn, understood, context), settings=bot_settings,
                                 context=context)
        context = dataclasses.replace(context, language=understood.language)
        _deliver(turn, understood, answer, context)
    return answer.text


def _claimed(turn: conversations.BotTurn) -> str | None:
    """An answer to another domain's question (registry.py): that domain acts and confirms."""
    if turn.author != "customer" or turn.private or not turn.customer_id or not turn.text.strip():
        return None
    answer = registry.claim(customer_id=turn.customer_id, channel=turn.channel, text=turn.text,
                            language=turn.language)
    if answer:
        conversation_services.do_send(conversation=turn.conversation_id, text=answer, channel=turn.channel,
                                      author="bot", actor=BOT, meta={"bot": {"claimed": True}})
    return answer


def _takes_part(turn: conversations.BotTurn) -> bool:
    return (turn.author == "customer" and not turn.private and turn.channel in queries.CHANNELS
            and turn.status == "open" and turn.bot == "active" and bool(turn.text.strip()))


def _skill_turn(turn, understood: nlu.Parse, context: Context) -> skills.Turn:
    return skills.Turn(conversation_id=turn.conversation_id, customer_id=turn.customer_id, channel=turn.channel,
                       text=turn.text, language=understood.language, parse=understood,
                       verified_orders=context.verified_orders, verified_proofs=context.verified_proofs)


def handoff_reason(text: str, understood: nlu.Parse, settings: Settings, context: Context) -> str:
    lowered = text.lower()
    if understood.intent == "human" and understood.confidence >= settings.min_confidence:
        return "human"
    if any(word and word in lowered for word in settings.handoff_keywords):
        return "keyword"
    if understood.sentiment < settings.negative_sentiment:
        return "negative_sentiment"
    return ""


def _slots(context: Context, understood: nlu.Parse) -> dict:
    slots = dict(context.slots)
    for kind in SLOT_KINDS:
        value = understood.first(kind)
        if value:
            slots[kind] = value
    return slots


def decide(*, turn: skills.Turn, settings: Settings, context: Context) -> tuple[skills.Answer, Context]:
    """The answer to one turn and the context after it (nothing written: the test console calls this)."""
    understood = turn.parse
    reason = handoff_reason(turn.text, understood, settings, context)
    if reason:
        return skills.Answer("", handoff=reason), context
    confident = understood.confidence >= settings.min_confidence and understood.intent != "other"
    intent = understood.intent if confident else ""
    if context.intent and (not confident or intent == context.intent or intent in ("faq", "thanks", "greeting")
                           and _fills_slot(understood) or _answers_the_question(turn.text, understood, context)):
        intent = context.intent  # the answer to the question the bot asked
    slots = _slots(context, understood) if intent == context.intent else _slots(Context(context.conversation_id), understood)
    if intent in skills.SKILLS:
        if not settings.answers(intent):
            return skills.Answer("", handoff="intent_off"), context
        answer = skills.SKILLS[intent](turn, slots)
        verified = (*context.verified_orders, answer.verified_order) if answer.verified_order else context.verified_orders
        proofs = ({**context.verified_proofs, answer.verified_order: answer.verified_proof} if answer.verified_proof
                  else context.verified_proofs)
        answered = (*context.answered, {"intent": intent, "text": answer.text[:300]})
        return answer, dataclasses.replace(
            context, intent=intent if answer.pending else "", slots=answer.slots if answer.pending else {},
            low_confidence=0, verified_orders=verified, verified_proofs=proofs, answered=answered)
    if intent in ("greeting", "thanks"):
        text = _greeting(settings, turn.language) if intent == "greeting" else _("You're welcome! Anything else?")
        return skills.Answer(text), dataclasses.replace(context, intent="", slots={}, low_confidence=0, greeted=True)
    found = queries.match_article(turn.text, turn.language)
    if found is not None:
        answered = (*context.answered, {"intent": "faq", "text": found.article.question})
        return skills.Answer(found.article.answer), dataclasses.replace(context, intent="", slots={}, low_confidence=0,
                                                                         answered=answered)
    misses = context.low_confidence + 1
    if misses >= 2:
        return (skills.Answer("", handoff="low_confidence", unrecognised=True),
                dataclasses.replace(context, low_confidence=misses))
    return skills.Answer(_("Sorry, I did not understand. I can tell you where your order is, check stock in a store, "
                           "store hours, start a return or your points; or write \"person\" to talk to someone."),
                         unrecognised=True), dataclasses.replace(context, low_confidence=misses)


def _fills_slot(understood: nlu.Parse) -> bool:
    return any(understood.first(kind) for kind in SLOT_KINDS)


def _answers_the_question(text: str, understood: nlu.Parse, context: Context) -> bool:
    """A reply that is little more than what the bot asked for ("perdón, es ana@example.cl", "el
    pedido es AS-100001", "en tienda" after "in a store or by mail?"): the pending question
    continues, whatever intent its few words suggest to the classifier."""
    words = len(_words(text))
    return (_fills_slot(understood) and words <= 3) or (bool(context.slots.get("asked")) and words <= 2)


def _words(text: str) -> list[str]:
    """The words of a message that are not an email, a number or a code."""
    return [w for w in text.split() if not any(c.isdigit() or c == "@" for c in w)]


def _greeting(settings: Settings, language: str) -> str:
    return settings.greeting(language) or _("Hi! I am the shop's assistant. I can tell you where your order is, "
                                            "check stock in a store, store hours, start a return or your points.")


# --- writing ----------------------------------------------------------------------------------

def _send(turn, text: str, understood: nlu.Parse) -> None:
    conversation_services.do_send(
        conversation=turn.conversation_id, text=text, channel=turn.channel, author="bot", actor=BOT,
        meta={"bot": {"intent": understood.intent, "confidence": round(understood.confidence, 3)}})


def _deliver(turn, understood: nlu.Parse, answer: skills.Answer, context: Context) -> None:
    if answer.unrecognised:
        services.do_record_unrecognised(text=turn.text, language=understood.language, intent=understood.intent,
                                        confidence=understood.confidence, conversation_id=turn.conversation_id)
    if answer.handoff:
        hand_off(turn, understood, answer, context)
        services.do_forget(conversation_id=turn.conversation_id)
        return
    _send(turn, answer.text, understood)
    services.do_remember(context=context)


def _handoff_text(conversation_id: str) -> str:
    staffing = conversations.staffing(conversation_id)
    if staffing.open_now:
        return _("I am passing you to a person from our team; they will answer you here.")
    when = formats.date_format(timezone.localtime(staffing.next_open, zone(staffing.time_zone)), "DATETIME_FORMAT")
    email = next((i.address for i in channels.inboxes() if i.channel == "email" and i.address), "")
    text = _("Our team answers again from %(when)s; a person will write to you here then.") % {"when": when}
    if email:
        text += " " + _("If you prefer, carry on by email at %(email)s.") % {"email": email}
    return text


def summary(turn, understood: nlu.Parse, answer: skills.Answer, context: Context) -> str:
    """The agent's note: why the bot stepped back, what it understood and what it already said."""
    with translation.override(django_settings.LANGUAGE_CODE):
        slots = {**context.slots, **{k: understood.first(k) for k in SLOT_KINDS if understood.first(k)}}
        slots.pop("asked", None)
        lines = [
            _("Bot hand-off (reason: %(reason)s).") % {"reason": answer.handoff},
            _("Intent: %(intent)s (%(confidence)d%%), language %(language)s.")
            % {"intent": context.intent or understood.intent, "confidence": round(understood.confidence * 100),
               "language": understood.language},
        ]
        if slots:
            lines.append(_("Details: %(slots)s") % {"slots": ", ".join(f"{k}={v}" for k, v in slots.items())})
        lines.append(_("Last customer message: %(text)s") % {"text": turn.text[:300]})
        for said in context.answered[-3:]:
            lines.append(_("Already answered (%(intent)s): %(text)s") % {"intent": said["intent"], "text": said["text"]})
        if not context.answered:
            lines.append(_("The bot had not answered anything yet."))
        return "\n".join(lines)


def hand_off(turn, understood: nlu.Parse, answer: skills.Answer, context: Context) -> None:
    text = " ".join(part for part in (answer.text, _handoff_text(turn.conversation_id)) if part)
    _send(turn, text, understood)
    conversation_services.do_add_note(conversation=turn.conversation_id, text=summary(turn, understood, answer, context),
                                      actor=BOT, author="bot")
    conversation_services.do_hand_to_person(conversation=turn.conversation_id, reason=answer.handoff)

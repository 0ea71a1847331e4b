"""The suggestions box: customers propose a product or a feature (from the shop, the account, the app
or the chat, where an agent or the bot files it for them), others vote (one vote per customer, the
author's own counts), staff set a status, reply, and merge duplicates (the votes move, each customer
counted once). A status change tells the author and the voters after the commit, on their consented
channel (notify_status_change, the outbox handler's work)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Conflict, FieldError, NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.feedback.events import SuggestionProposed, SuggestionsMerged, SuggestionStatusChanged
from omnicanal.feedback.models import (
    Suggestion,
    SuggestionChange,
    SuggestionKind,
    SuggestionNotice,
    SuggestionSource,
    SuggestionStatus,
    SuggestionVote,
)

log = logging.getLogger(__name__)

TITLE_MAX = 120
TEXT_MAX = 2000
REPLY_MAX = 2000
# Statuses staff may set (merged is set by do_merge only); closed ones take no more votes.
SETTABLE = (SuggestionStatus.OPEN, SuggestionStatus.UNDER_REVIEW, SuggestionStatus.PLANNED, SuggestionStatus.DONE,
            SuggestionStatus.DECLINED)
CLOSED = (SuggestionStatus.DONE, SuggestionStatus.DECLINED, SuggestionStatus.MERGED)


def _locked(suggestion_id: str) -> Suggestion:
    row = Suggestion.objects.select_for_update().filter(public_id=suggestion_id).first()
    if row is None:
        raise NotFound(detail=_("No suggestion %(id)s.") % {"id": suggestion_id})
    return row


def _recount(suggestion: Suggestion) -> int:
    count = SuggestionVote.objects.filter(suggestion=suggestion).count()
    Suggestion.objects.filter(pk=suggestion.pk).update(votes=count, updated_at=clock.now())
    suggestion.votes = count
    return count


def _check(title: str, text: str, kind: str, source: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    errors = []
    if not title:
        errors.append(FieldError("title", _("Say what you propose in a few words.")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("At most %(n)d characters.") % {"n": TITLE_MAX}))
    if len(text) > TEXT_MAX:
        errors.append(FieldError("text", _("At most %(n)d characters.") % {"n": TEXT_MAX}))
    if kind not in SuggestionKind.values:
        errors.append(FieldError("kind", _("Choose a product or a feature.")))
    if source not in SuggestionSource.values:
        errors.append(FieldError("source", _("Unknown source.")))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    return title, text


def do_propose(*, customer_id: str, title: str, text: str = "", kind: str = SuggestionKind.PRODUCT,
               source: str = SuggestionSource.SHOP, language: str = "", conversation_id: str = "") -> Suggestion:
    """A new suggestion with its author's vote. `customer_id` is any id the customer ever had."""
    title, text = _check(title, text, kind, source)
    customer = customers.customer_summary(customer_id)  # NotFound for nobody
    now = clock.now()
    suggestion = Suggestion.objects.create(
        customer_id=customer.id, title=title, text=text, kind=kind, source=source, conversation_id=conversation_id,
        language=(language or customer.language or settings.LANGUAGE_CODE)[:5], votes=1, created_at=now,
        updated_at=now)
    SuggestionVote.objects.create(suggestion=suggestion, customer_id=customer.id, at=now)
    outbox.emit(SuggestionProposed(suggestion_id=suggestion.public_id, customer_id=customer.id, kind=kind,
                                   source=source))
    return suggestion


def do_vote(*, suggestion_id: str, customer_id: str) -> Suggestion:
    """One vote per customer (a second one changes nothing). A merged suggestion's vote goes to the one it
    was merged into; a done or declined one takes no more votes (409)."""
    customer = customers.customer_summary(customer_id)
    suggestion = _locked(suggestion_id)
    if suggestion.status == SuggestionStatus.MERGED and suggestion.merged_into_id:
        suggestion = _locked(suggestion.merged_into.public_id)
    if suggestion.status in CLOSED:
        raise Conflict(detail=_("This suggestion is closed: it takes no more votes."))
    try:
        with transaction.atomic():
            SuggestionVote.objects.create(suggestion=suggestion, customer_id=customer.id, at=clock.now())
    except IntegrityError:
        return suggestion  # already voted
    _recount(suggestion)
    return suggestion


def do_unvote(*, suggestion_id: str, customer_id: str) -> Suggestion:
    customer = customers.customer_summary(customer_id)
    suggestion = _locked(suggestion_id)
    if SuggestionVote.objects.filter(suggestion=suggestion, customer_id=customer.id).delete()[0]:
        _recount(suggestion)
    return suggestion


def do_merge(*, suggestion_id: str, into_id: str, actor: Principal) -> Suggestion:
    """Merge a duplicate into another: its votes move, a customer who voted both counted once; the
    duplicate is closed as merged and points at the survivor. Returns the survivor."""
    if suggestion_id == into_id:
        raise ValidationFailed.on("into", _("A suggestion cannot be merged into itself."))
    # Both rows locked in one order (by id), so two merges crossing each other cannot deadlock.
    rows = {row.public_id: row for row in Suggestion.objects.select_for_update().filter(
        public_id__in=[suggestion_id, into_id]).order_by("pk")}
    duplicate, survivor = rows.get(suggestion_id), rows.get(into_id)
    if duplicate is None:
        raise NotFound(detail=_("No suggestion %(id)s.") % {"id": suggestion_id})
    if survivor is None:
        raise ValidationFailed.on("into", _("No suggestion %(id)s.") % {"id": into_id})
    if survivor.status == SuggestionStatus.MERGED:
        raise ValidationFailed.on("into", _("That suggestion was itself merged: merge into the one it went to."))
    if duplicate.status == SuggestionStatus.MERGED:
        raise Conflict(detail=_("This suggestion was already merged."))
    already = set(SuggestionVote.objects.filter(suggestion=survivor).values_list("customer_id", flat=True))
    moving = SuggestionVote.objects.filter(suggestion=duplicate).exclude(customer_id__in=already)
    moved = moving.update(suggestion=survivor)
    SuggestionVote.objects.filter(suggestion=duplicate).delete()  # the rest voted both: counted once
    # Suggestions merged into the duplicate before now point at the survivor.
    Suggestion.objects.filter(merged_into=duplicate).update(merged_into=survivor)
    now = clock.now()
    Suggestion.objects.filter(pk=duplicate.pk).update(status=SuggestionStatus.MERGED, merged_into=survivor, votes=0,
                                                      updated_at=now)
    SuggestionChange.objects.create(suggestion=duplicate, from_status=duplicate.status,
                                    to_status=SuggestionStatus.MERGED, actor=actor.name[:100], at=now)
    _recount(survivor)
    audit.record(actor=actor, action="feedback.suggestion.merge", target_type="suggestion",
                 target_id=duplicate.public_id, after={"into": survivor.public_id, "votes_moved": moved})
    outbox.emit(SuggestionsMerged(suggestion_id=duplicate.public_id, into_id=survivor.public_id, votes_moved=moved))
    return survivor


def _check_reply(reply: str) -> str:
    reply = (reply or "").strip()
    if len(reply) > REPLY_MAX:
        raise ValidationFailed.on("reply", _("At most %(n)d characters.") % {"n": REPLY_MAX})
    return reply


def do_set_status(*, suggestion_id: str, status: str, actor: Principal, reply: str = "") -> Suggestion:
    """A new status (with an optional reply, shown on the board); the author and every voter are told
    after the commit (SuggestionStatusChanged → notify_status_change). The same status again changes
    nothing and tells nobody, unless it brings a reply."""
    if status not in SETTABLE:
        raise ValidationFailed.on("status", _("Choose under review, planned, done or declined."))
    reply = _check_reply(reply)
    suggestion = _locked(suggestion_id)
    if suggestion.status == SuggestionStatus.MERGED:
        raise Conflict(detail=_("This suggestion was merged into another: change that one."))
    if suggestion.status == status and not reply:
        return suggestion
    now = clock.now()
    changes = {"status": status, "updated_at": now}
    if reply:
        changes.update(reply=reply, replied_by=actor.name[:100], replied_at=now)
    Suggestion.objects.filter(pk=suggestion.pk).update(**changes)
    change = SuggestionChange.objects.create(suggestion=suggestion, from_status=suggestion.status, to_status=status,
                                             reply=reply, actor=actor.name[:100], at=now)
    audit.record(actor=actor, action="feedback.suggestion.status", target_type="suggestion",
                 target_id=suggestion.public_id, before={"status": suggestion.status},
                 after={"status": status, "reply": reply})
    outbox.emit(SuggestionStatusChanged(suggestion_id=suggestion.public_id, change_id=change.pk,
                                        from_status=suggestion.status, to_status=status))
    suggestion.refresh_from_db()
    return suggestion


def do_reply(*, suggestion_id: str, text: str, actor: Principal) -> Suggestion:
    """The business's public answer on the board (one; a new one replaces it), without a status change."""
    text = _check_reply(text)
    if not text:
        raise ValidationFailed.on("text", _("Write the reply."))
    suggestion = _locked(suggestion_id)
    Suggestion.objects.filter(pk=suggestion.pk).update(reply=text, replied_by=actor.name[:100], replied_at=clock.now())
    audit.record(actor=actor, action="feedback.suggestion.reply", target_type="suggestion",
                 target_id=suggestion.public_id, after={"reply": text})
    suggestion.refresh_from_db()
    return suggestion


# --- telling the author and the voters (after the commit) -----------------------------------------------


def status_message(*, title: str, status: str, reply: str, language: str) -> tuple[str, str]:
    """(subject, body) in the customer's language."""
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        label = str(SuggestionStatus(status).label)
        subject = _("Your suggestion: %(status)s") % {"status": label}
        body = _("News about the suggestion \"%(title)s\" you proposed or voted for: it is now %(status)s.") % {
            "title": title, "status": label.lower()}
        if reply:
            body = f"{body}\n\n{_('Our answer:')} {reply}"
        return subject, f"{body}\n{settings.OMNICANAL['BUSINESS_NAME']}"


def _tell(customer_id: str, *, title: str, status: str, reply: str, topic: str) -> str:
    """Send on the customer's first consented, reachable channel (their preferred one for transactional
    messages first, then the notifier's order); the channel used, or ""."""
    from omnicanal.channels import notifier
    from omnicanal.conversations import services as conversations

    try:
        customer = customers.customer_summary(customer_id)
    except NotFound:
        return ""
    if customer.erased:
        return ""
    subject, body = status_message(title=title, status=status, reply=reply, language=customer.language)
    for channel in notifier.candidates(customer):
        if not customers.reachable_on(customer.id, channel) or not customers.may_contact(customer.id, channel,
                                                                                         "transactional"):
            continue
        try:
            with transaction.atomic():
                conversations.do_notify(customer_id=customer.id, channel=channel, subject=subject, topic=topic,
                                        text=notifier.for_channel(channel, notifier.Rendered(subject, body)))
            return channel
        except Problem as problem:
            log.info("suggestion notice for %s not sent on %s: %s", customer.id, channel, problem)
    return ""


def notify_status_change(*, change_id: int) -> int:
    """Tell the author and every voter (once each, whatever the retries); how many were reached."""
    change = SuggestionChange.objects.select_related("suggestion").filter(pk=change_id).first()
    if change is None:
        return 0
    suggestion = change.suggestion
    people = [suggestion.customer_id, *SuggestionVote.objects.filter(suggestion=suggestion)
              .order_by("at", "pk").values_list("customer_id", flat=True)]
    reached = 0
    for customer_id in dict.fromkeys(p for p in people if p):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    notice = SuggestionNotice.objects.create(change=change, customer_id=customer_id, at=clock.now())
            except IntegrityError:
                continue  # told already (the relay ran the handler again)
            channel = _tell(customer_id, title=suggestion.title, status=change.to_status, reply=change.reply,
                            topic="feedback.suggestion_status")
            SuggestionNotice.objects.filter(pk=notice.pk).update(channel=channel)
            reached += bool(channel)
    return reached


# --- the customers registry: merge, export, erasure -----------------------------------------------------


def do_move_suggestions(*, survivor_id: str, merged_id: str) -> None:
    """A merged customer's suggestions and votes go to the survivor; a suggestion both voted keeps one."""
    Suggestion.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    touched = set()
    for vote in SuggestionVote.objects.filter(customer_id=merged_id).select_related("suggestion"):
        touched.add(vote.suggestion_id)
        if SuggestionVote.objects.filter(suggestion_id=vote.suggestion_id, customer_id=survivor_id).exists():
            vote.delete()
        else:
            SuggestionVote.objects.filter(pk=vote.pk).update(customer_id=survivor_id)
    for suggestion in Suggestion.objects.filter(pk__in=touched):
        _recount(suggestion)


def do_erase_suggestions(*, customer_id: str) -> None:
    """An erased person's own words go (a suggestion others voted for stays, without its author or text
    beyond the title); their votes go too."""
    Suggestion.objects.filter(customer_id=customer_id).update(customer_id="", text="", conversation_id="")
    touched = list(SuggestionVote.objects.filter(customer_id=customer_id).values_list("suggestion_id", flat=True))
    SuggestionVote.objects.filter(customer_id=customer_id).delete()
    SuggestionNotice.objects.filter(customer_id=customer_id).delete()
    for suggestion in Suggestion.objects.filter(pk__in=touched):
        _recount(suggestion)

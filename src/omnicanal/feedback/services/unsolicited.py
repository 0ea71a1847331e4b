"""Unsolicited feedback (docs/feedback.md, Unsolicited feedback): a social mention, an app-store
review, a CSV row, every inbound conversation message and every low review is recorded with its
language and sentiment (the bot's understanding: bot.queries.sentiment, the one owner) and its
topics (feedback.topics). Negative feedback, or a review of at most TICKET_MAX_RATING stars, from an
identified customer opens a ticket in the inbox (conversations' do_open_case) in the same
transaction as the record: the ticket exists exactly when the feedback does. Inbound messages and
reviews arrive through the outbox (handlers): after the commit in-process, else by the worker's relay
within the minute.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from omnicanal.bot import queries as bot
from omnicanal.conversations import services as conversation_services
from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import FieldError, NotFound, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.feedback import config, topics
from omnicanal.feedback.events import FeedbackRecorded
from omnicanal.feedback.models import Feedback, FeedbackSource, SentimentLabel

# What callers may name as a source; conversation and review feedback comes from events only.
OUTSIDE_SOURCES = (FeedbackSource.SOCIAL, FeedbackSource.APP_STORE, FeedbackSource.CSV, FeedbackSource.OTHER)
_STORE = re.compile(r"^[A-Za-z0-9_-]{0,32}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{8,20}$")


@dataclass(frozen=True)
class FeedbackIn:
    source: str
    text: str
    author: str = ""
    url: str = ""
    at: dt.datetime | None = None
    customer_id: str = ""
    store: str = ""
    rating: int | None = None
    ref: str = ""  # the caller's own id of the item (a post id, a CSV row id): sent twice, recorded once
    language: str = ""


def _rating_label(rating: int) -> str:
    # The customer's own stars are the truth about how they feel; the text only sets the score.
    return SentimentLabel.NEGATIVE if rating <= 2 else SentimentLabel.NEUTRAL if rating == 3 else SentimentLabel.POSITIVE


def check_feedback(item: FeedbackIn, *, sources=OUTSIDE_SOURCES) -> list[FieldError]:
    errors = []
    if item.source not in sources:
        errors.append(FieldError("source", _("one of %(sources)s") % {"sources": ", ".join(sources)}))
    if not item.text.strip() and item.rating is None:
        errors.append(FieldError("text", _("write something")))
    if len(item.text) > int(config.get("FEEDBACK_TEXT_MAX")):
        errors.append(FieldError("text", _("at most %(n)d characters") % {"n": config.get("FEEDBACK_TEXT_MAX")}))
    if item.rating is not None and not 1 <= item.rating <= 5:
        errors.append(FieldError("rating", _("from 1 to 5 stars")))
    if not _STORE.match(item.store or ""):
        errors.append(FieldError("store", _("a store code such as SCL")))
    if item.url and not item.url.startswith(("http://", "https://")):
        errors.append(FieldError("url", _("an http or https address")))
    if item.at is not None and item.at > clock.now() + dt.timedelta(minutes=5):
        errors.append(FieldError("at", _("not in the future")))
    return errors


def identify(*, customer_id: str = "", author: str = "") -> str:
    """The customer the feedback is from: the id given (any id the customer ever had), else the one
    holding the author's email or phone; "" when nobody is identified (a social handle)."""
    if customer_id:
        try:
            return customers.resolve_id(customer_id)
        except NotFound:
            raise ValidationFailed.on("customer_id", _("no such customer")) from None
    author = (author or "").strip()
    found = None
    if "@" in author and not author.startswith("@"):
        found = customers.summary_by_identity("email", author)
    elif _PHONE_LIKE.match(author):
        found = customers.summary_by_identity("phone", author)
    return found.id if found is not None else ""


def do_record_feedback(*, item: FeedbackIn, conversation_id: str = "", sources=OUTSIDE_SOURCES,
                       ref_looked_up: bool = False) -> tuple[Feedback, bool]:
    """Records the feedback (or returns the one already recorded under the same source and ref) and
    says whether it is new. Emits FeedbackRecorded. `ref_looked_up`: the caller found no feedback
    under the ref (a worker's batch, in one query); one recorded since is caught by the constraint."""
    errors = check_feedback(item, sources=sources)
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    if item.ref and not ref_looked_up:
        existing = Feedback.objects.filter(source=item.source, ref=item.ref[:300]).first()
        if existing is not None:
            return existing, False
    customer_id = identify(customer_id=item.customer_id, author=item.author)
    found = bot.sentiment(item.text, language=item.language or None)
    label = _rating_label(item.rating) if item.rating is not None else found.label
    needs_ticket = bool(customer_id) and (
        label == SentimentLabel.NEGATIVE
        or (item.rating is not None and item.rating <= int(config.get("TICKET_MAX_RATING"))))
    now = clock.now()
    try:
        with transaction.atomic():
            row = Feedback.objects.create(
                source=item.source, ref=item.ref[:300], text=item.text, author=item.author[:200], url=item.url[:500],
                customer_id=customer_id, conversation_id=conversation_id, store=item.store, rating=item.rating,
                language=found.language, sentiment=label, score=max(-1.0, min(1.0, found.score)),
                topics=list(topics.topics_of(item.text)), at=item.at or now, created_at=now)
    except IntegrityError:  # the same item arrived twice at once: the first one is the record
        return Feedback.objects.get(source=item.source, ref=item.ref[:300]), False
    if needs_ticket:
        _open_case(row)
    outbox.emit(FeedbackRecorded(
        feedback_id=row.public_id, source=row.source, customer_id=customer_id, conversation_id=conversation_id,
        sentiment=label, score=row.score, topics=tuple(row.topics), rating=row.rating, ticket_id=row.ticket_id))
    return row, True


def _open_case(row: Feedback) -> None:
    """A ticket for the team that handles it: category the first topic, the context as a note."""
    from omnicanal.feedback import queries

    info = queries.feedback_row(row.public_id)
    note = ticket_note(info)
    ticket = conversation_services.do_open_case(
        customer_id=row.customer_id, conversation_id=row.conversation_id,
        category=(info.topics[0] if info.topics else config.FEEDBACK_CATEGORY).replace("_", "-"),
        subject=(row.text.strip() or note).splitlines()[0][:120], note=note, actor=SYSTEM, language=row.language,
        store=row.store, team_hint=str(config.get("TICKET_TEAM")))
    row.ticket_id, row.ticket_number = ticket.public_id, ticket.display_number[:20]
    row.save(update_fields=["ticket_id", "ticket_number"])


def ticket_note(row) -> str:
    """What the agent reads on the ticket: where, who, how it felt, what about, and the words."""
    parts = [_("Unsolicited feedback (%(source)s)") % {"source": FeedbackSource(row.source).label},
             _("Sentiment: %(label)s (%(score)+.2f)") % {"label": SentimentLabel(row.sentiment).label, "score": row.score}]
    if row.topics:
        parts.append(_("Topics: %(topics)s") % {"topics": ", ".join(str(topics.LABELS[t]) for t in row.topics)})
    if row.rating is not None:
        parts.append(_("Rating: %(n)d of 5") % {"n": row.rating})
    if row.store:
        parts.append(_("Store: %(store)s") % {"store": row.store})
    if row.author:
        parts.append(_("Author: %(author)s") % {"author": row.author})
    if row.url:
        parts.append(row.url)
    parts.append(row.id)
    return "\n".join([" · ".join(parts), "", row.text or "—"])


# --- merge and erasure (customers.registry, hooks.py) ---------------------------------------------


def do_move_feedback(*, survivor_id: str, merged_id: str) -> int:
    return Feedback.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def do_erase_feedback(*, customer_id: str) -> int:
    """The person's words and handles go; the label, score, topics, store and time stay (the trends
    and the counts do not change)."""
    return Feedback.objects.filter(customer_id=customer_id).update(
        customer_id="", text="", author="", url="", ref="")


def do_scrub_feedback(*, traces) -> int:
    """Someone else's feedback that quotes the erased person (an anonymous web chat visitor who typed
    their email, a social post naming them) loses the fields that hold their values; found by value
    (core.privacy.Traces), since no customer id links those rows to them."""
    names = ("text", "author", "url", "ref")
    scrubbed = 0
    for row in Feedback.objects.filter(traces.q(*names)).only("pk", *names):
        changes = {name: "" for name in names if traces.touches(getattr(row, name))}
        if changes:
            scrubbed += Feedback.objects.filter(pk=row.pk).update(**changes)
    return scrubbed


# --- CSV import ----------------------------------------------------------------------------------

CSV_COLUMNS = ("text", "source", "author", "url", "at", "customer_id", "store", "rating", "id")


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)  # {row, field, message}


def _row_item(row: dict[str, str]) -> FeedbackIn:
    rating_text = (row.get("rating") or "").strip()
    at_text = (row.get("at") or "").strip()
    at = parse_datetime(at_text) if at_text else None
    if at_text and (at is None or at.tzinfo is None):
        raise ValidationFailed.on("at", _("an ISO date and time with its offset, e.g. 2026-03-01T10:00:00-03:00"))
    if rating_text and not rating_text.isdigit():
        raise ValidationFailed.on("rating", _("from 1 to 5 stars"))
    return FeedbackIn(source=(row.get("source") or FeedbackSource.CSV).strip(), text=(row.get("text") or "").strip(),
                      author=(row.get("author") or "").strip(), url=(row.get("url") or "").strip(), at=at,
                      customer_id=(row.get("customer_id") or "").strip(), store=(row.get("store") or "").strip(),
                      rating=int(rating_text) if rating_text else None, ref=(row.get("id") or "").strip())


def do_import_csv(*, content: str) -> ImportResult:
    """A CSV with a header (CSV_COLUMNS; `text` required): each row recorded in a savepoint of its
    own, so a bad row is reported (row number, field, message) and the good ones are kept."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    if not reader.fieldnames or "text" not in [f.strip() for f in reader.fieldnames]:
        raise ValidationFailed.on("file", _("a CSV with a header row naming at least the text column"))
    result = ImportResult()
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        if number - 1 > int(config.get("CSV_MAX_ROWS")):
            raise ValidationFailed.on("file", _("at most %(n)d rows") % {"n": config.get("CSV_MAX_ROWS")})
        row = {(k or "").strip(): v for k, v in raw.items() if isinstance(v, str)}
        try:
            with transaction.atomic():
                item = _row_item(row)
                recorded, created = do_record_feedback(item=item)
        except ValidationFailed as problem:
            for error in problem.errors or [FieldError("", problem.detail)]:
                result.errors.append({"row": number, "field": error.field, "message": str(error.message)})
            continue
        if created:
            result.created.append(recorded.public_id)
        else:
            result.duplicates += 1
    return result

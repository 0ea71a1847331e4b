"""Reads of the voice of the customer for the API, the console, the shop and other domains (no
writes): frozen dataclasses, never models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.core.errors import NotFound
from omnicanal.feedback import governor
from omnicanal.feedback.models import (
    Feedback,
    Interaction,
    Review,
    ReviewStatus,
    SurveyContact,
    SurveySend,
    TrendAlert,
)

Budget = governor.Budget


# --- the fatigue governor ----------------------------------------------------------------------


CLAIM_SKEW = dt.timedelta(minutes=5)


def eligibility(customer_id: str, *, at: dt.datetime | None = None, claiming: bool = False) -> Budget:
    """May this customer be asked for their opinion now (a survey, the inbox's CSAT), and if not, when.
    `claiming` (the governor's claim, under the customer's lock): a contact another worker stamped a
    moment later than this one's `at` counts too (workers take their `at` when their run starts, a
    few seconds apart: CLAIM_SKEW)."""
    now = at or clock.now()
    since = now - dt.timedelta(days=int(governor.config.get("INTERACTION_LOOKBACK_DAYS")))
    days = [when.date() for when in Interaction.objects.filter(customer_id=customer_id, at__gte=since, at__lte=now)
            .values_list("at", flat=True)]
    upto = now + CLAIM_SKEW if claiming else now
    last = (SurveyContact.objects.filter(customer_id=customer_id, at__lte=upto).order_by("-at")
            .values_list("at", flat=True).first())
    return governor.decide(interaction_days=days, last_contact_at=last, now=now)


# --- reviews -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    average: float | None  # None: no published review
    count: int
    distribution: dict[int, int]  # stars -> published reviews, 5 to 1


@dataclass(frozen=True)
class PhotoInfo:
    id: str
    url: str
    content_type: str


@dataclass(frozen=True)
class ReviewInfo:
    id: str
    customer_id: str
    order_id: str
    order_number: str
    sku: str
    product_handle: str
    rating: int
    text: str
    author_name: str
    verified_buyer: bool
    status: str
    flags: tuple[str, ...]
    alert: bool
    reply: str
    replied_at: dt.datetime | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    photos: tuple[PhotoInfo, ...]


def _photo(photo) -> PhotoInfo:
    return PhotoInfo(id=photo.public_id, url=reverse("feedback-photo", args=[photo.public_id]),
                     content_type=photo.content_type)


def _info(review: Review) -> ReviewInfo:
    return ReviewInfo(
        id=review.public_id, customer_id=review.customer_id, order_id=review.order_id,
        order_number=review.order_number, sku=review.sku, product_handle=review.product_handle,
        rating=review.rating, text=review.text, author_name=review.author_name,
        verified_buyer=review.verified_buyer, status=review.status, flags=tuple(review.flags or ()),
        alert=review.alert, reply=review.reply, replied_at=review.replied_at, created_at=review.created_at,
        published_at=review.published_at, photos=tuple(_photo(p) for p in review.photos.all()),
    )


def _rating(distribution: dict[int, int]) -> Rating:
    count = sum(distribution.values())
    # The average from the distribution already read (a second aggregate was one more round trip per page).
    average = sum(stars * n for stars, n in distribution.items()) / count if count else None
    return Rating(average=round(float(average), 1) if average is not None else None, count=count,
                  distribution=distribution)


def rating(handle: str) -> Rating:
    rows = (Review.objects.filter(product_handle=handle, status=ReviewStatus.PUBLISHED)
            .values("rating").annotate(n=Count("id")))
    distribution = {stars: 0 for stars in (5, 4, 3, 2, 1)}
    for row in rows:
        distribution[row["rating"]] = row["n"]
    return _rating(distribution)


def ratings(handles) -> dict[str, Rating]:
    """Published reviews' rating of many products at once, one query (a product feed's every row):
    handle -> Rating; a product without a published review is left out."""
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    rows = (Review.objects.filter(product_handle__in=wanted, status=ReviewStatus.PUBLISHED)
            .values("product_handle", "rating").annotate(n=Count("id")))
    found: dict[str, dict[int, int]] = {}
    for row in rows:
        found.setdefault(row["product_handle"], {stars: 0 for stars in (5, 4, 3, 2, 1)})[row["rating"]] = row["n"]
    return {handle: _rating(distribution) for handle, distribution in found.items()}


def published_reviews(handle: str, *, limit: int = 50) -> list[ReviewInfo]:
    """What anyone may read about a product: published reviews, newest first."""
    qs = (Review.objects.filter(product_handle=handle, status=ReviewStatus.PUBLISHED)
          .prefetch_related("photos").order_by("-published_at", "-id"))
    return [_info(r) for r in qs[:limit]]


def moderation_queue(*, status: str = ReviewStatus.PENDING, limit: int = 100) -> list[ReviewInfo]:
    """Held reviews, alerts first, oldest first (they have waited longest)."""
    qs = Review.objects.filter(status=status).prefetch_related("photos")
    qs = qs.order_by("-alert", "created_at", "id") if status == ReviewStatus.PENDING else qs.order_by("-created_at")
    return [_info(r) for r in qs[:limit]]


def get_review(review_id: str) -> ReviewInfo:
    review = Review.objects.prefetch_related("photos").filter(public_id=review_id).first()
    if review is None:
        raise NotFound(detail=f"No review {review_id}.")
    return _info(review)


def photo_file(photo_id: str):
    """The stored photo row with its review (None: no such photo), for feedback's own serving view
    (views.serve_photo decides who may see it); never handed to other domains."""
    from omnicanal.feedback.models import ReviewPhoto

    return ReviewPhoto.objects.select_related("review").filter(public_id=photo_id).first()


def reviews_of_customer(customer_id: str) -> list[ReviewInfo]:
    return [_info(r) for r in Review.objects.filter(customer_id=customer_id).prefetch_related("photos")]


def reviewed_lines(customer_id: str) -> set[tuple[str, str]]:
    """(order id, sku) the customer already reviewed."""
    return set(Review.objects.filter(customer_id=customer_id).values_list("order_id", "sku"))


# --- surveys -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendInfo:
    id: str
    survey_id: str
    survey_name: str
    status: str
    sent_at: dt.datetime
    completed_at: dt.datetime | None
    reward_ref: str


def sends_of_customer(customer_id: str) -> list[SendInfo]:
    return [SendInfo(id=s.public_id, survey_id=s.survey.public_id, survey_name=s.survey.name, status=s.status,
                     sent_at=s.sent_at, completed_at=s.completed_at, reward_ref=s.reward_ref)
            for s in SurveySend.objects.filter(customer_id=customer_id).select_related("survey")]


# --- unsolicited feedback and trend alerts -------------------------------------------------------


@dataclass(frozen=True)
class FeedbackInfo:
    id: str
    source: str
    text: str
    author: str
    url: str
    customer_id: str
    conversation_id: str
    store: str
    rating: int | None
    language: str
    sentiment: str
    score: float
    topics: tuple[str, ...]
    ticket_id: str
    ticket_number: str
    at: dt.datetime


def _feedback(row: Feedback) -> FeedbackInfo:
    return FeedbackInfo(id=row.public_id, source=row.source, text=row.text, author=row.author, url=row.url,
                        customer_id=row.customer_id, conversation_id=row.conversation_id, store=row.store,
                        rating=row.rating, language=row.language, sentiment=row.sentiment, score=row.score,
                        topics=tuple(row.topics or ()), ticket_id=row.ticket_id, ticket_number=row.ticket_number,
                        at=row.at)


def recorded_refs(source: str, refs: list[str]) -> set[str]:
    """Those of these refs already recorded as feedback of this source (a worker's batch: one query)."""
    return set(Feedback.objects.filter(source=source, ref__in=[ref[:300] for ref in refs]).values_list("ref", flat=True))


def feedback_row(feedback_id: str) -> FeedbackInfo:
    row = Feedback.objects.filter(public_id=feedback_id).first()
    if row is None:
        raise NotFound(detail=f"No feedback {feedback_id}.")
    return _feedback(row)


@dataclass(frozen=True)
class StreamFilter:
    source: str = ""
    sentiment: str = ""
    topic: str = ""
    store: str = ""
    customer_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def feedback_stream(spec: StreamFilter, *, limit: int = 100) -> list[FeedbackInfo]:
    """Newest first. The topic filter is read in Python over the newest rows (topics are a JSON list,
    queried alike on SQLite and PostgreSQL)."""
    rows = Feedback.objects.all()
    for name in ("source", "sentiment", "store", "customer_id"):
        if getattr(spec, name):
            rows = rows.filter(**{name: getattr(spec, name)})
    if spec.since:
        rows = rows.filter(at__gte=spec.since)
    if spec.until:
        rows = rows.filter(at__lt=spec.until)
    found = []
    for row in rows.order_by("-at", "-id").iterator(chunk_size=500):
        if spec.topic and spec.topic not in (row.topics or ()):
            continue
        found.append(_feedback(row))
        if len(found) >= limit:
            break
    return found


def feedback_stores() -> list[str]:
    return list(Feedback.objects.exclude(store="").order_by("store").values_list("store", flat=True).distinct())


@dataclass(frozen=True)
class AlertInfo:
    id: str
    dimension: str
    key: str
    share: float
    previous_share: float
    count: int
    previous_count: int
    period_start: dt.datetime
    period_end: dt.datetime
    acknowledged_by: str
    created_at: dt.datetime


def trend_alerts(*, open_only: bool = True, limit: int = 50) -> list[AlertInfo]:
    rows = TrendAlert.objects.all()
    if open_only:
        rows = rows.filter(acknowledged_at__isnull=True)
    return [AlertInfo(id=a.public_id, dimension=a.dimension, key=a.key, share=a.share, previous_share=a.previous_share,
                      count=a.count, previous_count=a.previous_count, period_start=a.period_start,
                      period_end=a.period_end, acknowledged_by=a.acknowledged_by, created_at=a.created_at)
            for a in rows.order_by("-created_at", "-id")[:limit]]


# --- the suggestions box ------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionInfo:
    id: str
    title: str
    text: str
    kind: str
    source: str
    status: str
    votes: int
    customer_id: str
    conversation_id: str
    merged_into: str  # the survivor's id, "" when not merged
    reply: str
    replied_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    voted: bool = False  # by the customer the board is read for


def _suggestion(row, voted: set[int] = frozenset()) -> SuggestionInfo:
    return SuggestionInfo(id=row.public_id, title=row.title, text=row.text, kind=row.kind, source=row.source,
                          status=row.status, votes=row.votes, customer_id=row.customer_id,
                          conversation_id=row.conversation_id,
                          merged_into=row.merged_into.public_id if row.merged_into_id else "", reply=row.reply,
                          replied_at=row.replied_at, created_at=row.created_at, updated_at=row.updated_at,
                          voted=row.pk in voted)


def suggestions(*, status: str = "", for_customer: str = "", include_merged: bool = False, query: str = "",
                order: str = "votes", limit: int = 100) -> list[SuggestionInfo]:
    """The board: most voted first (or newest first with order="new"); `status` filters; merged ones only
    when asked; `for_customer` marks what that customer voted for."""
    from omnicanal.feedback.models import Suggestion, SuggestionStatus, SuggestionVote

    rows = Suggestion.objects.select_related("merged_into")
    if status:
        rows = rows.filter(status=status)
    elif not include_merged:
        rows = rows.exclude(status=SuggestionStatus.MERGED)
    if query:
        rows = rows.filter(title__icontains=query)
    rows = rows.order_by("-created_at", "-id") if order == "new" else rows.order_by("-votes", "-created_at", "-id")
    rows = list(rows[:limit])
    voted = set(SuggestionVote.objects.filter(customer_id=for_customer, suggestion__in=rows)
                .values_list("suggestion_id", flat=True)) if for_customer else set()
    return [_suggestion(row, voted) for row in rows]


def get_suggestion(suggestion_id: str, *, for_customer: str = "") -> SuggestionInfo:
    from omnicanal.feedback.models import Suggestion, SuggestionVote

    row = Suggestion.objects.select_related("merged_into").filter(public_id=suggestion_id).first()
    if row is None:
        raise NotFound(detail=f"No suggestion {suggestion_id}.")
    voted = {row.pk} if for_customer and SuggestionVote.objects.filter(
        suggestion=row, customer_id=for_customer).exists() else set()
    return _suggestion(row, voted)


@dataclass(frozen=True)
class SuggestionChangeInfo:
    from_status: str
    to_status: str
    reply: str
    actor: str
    at: dt.datetime


def suggestion_history(suggestion_id: str) -> list[SuggestionChangeInfo]:
    from omnicanal.feedback.models import SuggestionChange

    return [SuggestionChangeInfo(from_status=c.from_status, to_status=c.to_status, reply=c.reply, actor=c.actor, at=c.at)
            for c in SuggestionChange.objects.filter(suggestion__public_id=suggestion_id)]


def suggestion_counts() -> dict[str, int]:
    """{status: how many}: the console board's tabs."""
    from omnicanal.feedback.models import Suggestion

    return dict(Suggestion.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def suggestion_notices(suggestion_id: str) -> list[tuple[str, str, str]]:
    """[(customer id, new status, channel used or "")]: who was told of what (tests, the console)."""
    from omnicanal.feedback.models import SuggestionNotice

    return [(n.customer_id, n.change.to_status, n.channel) for n in SuggestionNotice.objects.select_related("change")
            .filter(change__suggestion__public_id=suggestion_id).order_by("pk")]


def suggestions_of_customer(customer_id: str) -> list[SuggestionInfo]:
    """What the customer proposed (export, the account)."""
    from omnicanal.feedback.models import Suggestion

    return [_suggestion(row) for row in Suggestion.objects.select_related("merged_into").filter(customer_id=customer_id)]


def votes_of_customer(customer_id: str) -> list[str]:
    from omnicanal.feedback.models import SuggestionVote

    return list(SuggestionVote.objects.filter(customer_id=customer_id).values_list("suggestion__public_id", flat=True))


# --- survey triggers and due sends (the console's pages, the API) ------------------------------


@dataclass(frozen=True)
class TriggerInfo:
    id: str
    survey_id: str
    survey_name: str
    event: str
    delay_hours: int
    channel: str  # targeting: what the customer used ("" anyone)
    curbside: bool
    bot: bool
    store: str  # a location code ("" any)
    active: bool
    created_at: dt.datetime


def _trigger(row) -> TriggerInfo:
    return TriggerInfo(id=row.public_id, survey_id=row.survey.public_id, survey_name=row.survey.name, event=row.event,
                       delay_hours=row.delay_hours, channel=row.channel, curbside=row.curbside, bot=row.bot,
                       store=row.store, active=row.active, created_at=row.created_at)


def survey_triggers(*, survey_id: str = "") -> list[TriggerInfo]:
    """Every trigger (one survey's with survey_id), by survey then as created."""
    from omnicanal.feedback.models import SurveyTrigger

    rows = SurveyTrigger.objects.select_related("survey").order_by("survey__name", "pk")
    if survey_id:
        rows = rows.filter(survey__public_id=survey_id)
    return [_trigger(row) for row in rows[:500]]


def survey_trigger(trigger_id: str) -> TriggerInfo | None:
    from omnicanal.feedback.models import SurveyTrigger

    row = SurveyTrigger.objects.select_related("survey").filter(public_id=trigger_id).first()
    return _trigger(row) if row else None


def survey_names() -> list[tuple[str, str]]:
    """(id, name) of every survey, by name: what a trigger may send."""
    from omnicanal.feedback.models import Survey

    return list(Survey.objects.order_by("name", "pk").values_list("public_id", "name"))


@dataclass(frozen=True)
class DueInfo:
    id: int
    kind: str  # survey | review_request
    survey_id: str  # "" for a review request
    survey_name: str
    customer_id: str
    customer_name: str  # "" unknown or erased
    trigger: str  # "<event>:<ref>", "segment:<id>", "review:<order>"
    due_at: dt.datetime
    status: str
    reason: str  # why skipped (budget, cancelled…), or why held last
    channel: str  # where it went; while waiting, "webchat" when it will answer in that chat, else ""
    send_id: str
    product: str  # a review request's product title


def due_sends(*, status: str = "", survey_id: str = "", customer_id: str = "", due_id: int | None = None,
              limit: int = 200) -> list[DueInfo]:
    """Due sends, the next due first (done ones: the latest first), with the customer's name (one read
    of customers.queries for the page)."""
    from omnicanal.customers import queries as customers
    from omnicanal.feedback.models import DueSend, DueStatus

    qs = DueSend.objects.select_related("survey")
    if status:
        qs = qs.filter(status=status)
    if survey_id:
        qs = qs.filter(survey__public_id=survey_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if due_id is not None:
        qs = qs.filter(pk=due_id if 0 < due_id < 2**63 else 0)  # an id beyond the column's range is no row
    qs = qs.order_by("due_at", "pk") if status == DueStatus.PENDING else qs.order_by("-due_at", "-pk")
    rows = list(qs[:limit])
    sends = dict(SurveySend.objects.filter(public_id__in=[r.send_id for r in rows if r.send_id])
                 .values_list("public_id", "channel"))
    names = {cid: s.name for cid, s in customers.customer_summaries(r.customer_id for r in rows).items()}
    out = []
    for row in rows:
        context = row.context or {}
        channel = row.channel or sends.get(row.send_id, "")
        if not channel and row.status == DueStatus.PENDING and context.get("channel") == "webchat" \
                and context.get("conversation_id"):
            channel = "webchat"
        out.append(DueInfo(id=row.pk, kind=row.kind, survey_id=row.survey.public_id if row.survey else "",
                           survey_name=row.survey.name if row.survey else "", customer_id=row.customer_id,
                           customer_name=names.get(row.customer_id, ""), trigger=row.trigger, due_at=row.due_at,
                           status=row.status, reason=row.reason, channel=channel, send_id=row.send_id,
                           product=context.get("title") or context.get("sku", "")))
    return out


def due_counts() -> dict[str, int]:
    from omnicanal.feedback.models import DueSend

    return dict(DueSend.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))

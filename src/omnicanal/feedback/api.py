"""The voice of the customer's API (../shared/API.md, "Voice of the customer"): parse, call one
service or query, answer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from omnicanal.core.auth import require_role
from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.feedback import queries, roles, schemas
from omnicanal.feedback.models import ReviewStatus
from omnicanal.feedback.services import reviews, surveys, trends, unsolicited

router = Router(tags=["feedback"])


class EligibilityOut(Schema):
    eligible: bool
    next_eligible_at: dt.datetime | None
    interactions_per_month: float
    reason: str
    interval_days: int
    last_asked_at: dt.datetime | None


class ModeratedOut(schemas.ReviewOut):
    status: str
    sku: str
    product_handle: str
    order_id: str
    customer_id: str
    flags: list[str]
    alert: bool


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class ReviewReplyIn(Schema):
    text: str = Field(min_length=1, max_length=2000)


def _moderated(request, review: queries.ReviewInfo) -> dict:
    return {**schemas.review_out(request, review), "status": review.status, "sku": review.sku,
            "product_handle": review.product_handle, "order_id": review.order_id,
            "customer_id": review.customer_id, "flags": list(review.flags), "alert": review.alert}


@router.get("/customers/{customer_id}/surveys/eligibility", response=EligibilityOut,
            summary="May this customer be asked for their opinion now (the fatigue governor), and why")
def eligibility(request, customer_id: str):
    """Whether the customer may be asked for their opinion now under the fatigue governor, when next, and why
    not."""
    require_role(request, *roles.READ)
    budget = queries.eligibility(customers.customer_summary(customer_id).id)
    return {"eligible": budget.eligible, "next_eligible_at": budget.next_eligible_at,
            "interactions_per_month": budget.interactions_per_month, "reason": budget.reason,
            "interval_days": budget.interval_days, "last_asked_at": budget.last_contact_at}


@router.get("/products/{handle}/reviews", response=schemas.ReviewsOut,
            summary="A product's published reviews, average and distribution")
def product_reviews(request, handle: str):
    """A product's published reviews, newest first, with the average rating and the count per star."""
    require_role(request, *roles.PUBLISHED)
    return schemas.product_reviews(request, handle)


@router.get("/reviews", response=list[ModeratedOut], summary="Reviews by status (pending: the moderation queue)")
def list_reviews(request, status: ReviewStatus = ReviewStatus.PENDING):
    """Reviews by status (pending is the moderation queue), newest first."""
    require_role(request, *roles.MODERATE)
    return [_moderated(request, r) for r in queries.moderation_queue(status=status)]


@router.post("/reviews/{review_id}/approve", response=ModeratedOut, summary="Publish a held review")
def approve(request, review_id: str):
    """Publishes a review held for moderation; it then counts in the product's rating."""
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_approve_review(review_id=review_id, actor=actor)
    return _moderated(request, queries.get_review(review_id))


@router.post("/reviews/{review_id}/reject", response=ModeratedOut, summary="Keep a review off the shop")
def reject(request, review_id: str, body: RejectIn):
    """Keeps a review off the shop (it stays stored, not shown)."""
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_reject_review(review_id=review_id, reason=body.reason, actor=actor)
    return _moderated(request, queries.get_review(review_id))


@router.post("/reviews/{review_id}/reply", response=ModeratedOut, summary="The business's public answer")
def reply(request, review_id: str, body: ReviewReplyIn):
    """Sets the business's public answer shown under a review."""
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_reply_review(review_id=review_id, text=body.text, actor=actor)
    return _moderated(request, queries.get_review(review_id))


# --- surveys -----------------------------------------------------------------------------------


class RewardIn(Schema):
    kind: str = Field(default="", max_length=20)  # "", points, coupon, store_credit
    value: float = Field(default=0, ge=0, le=1_000_000)


class SurveyIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(max_length=10)  # csat | nps | ces | custom
    questions: list[dict] | None = Field(default=None, max_length=20)
    reward: RewardIn | None = None


class SurveyOut(Schema):
    id: str
    name: str
    kind: str
    questions: list[dict]
    reward: dict


class SendIn(Schema):
    customer_id: str = Field(min_length=1, max_length=40)
    trigger: str = Field(default="manual", max_length=60)
    language: str = Field(default="", max_length=5)


class SendOut(Schema):
    id: str
    survey_id: str
    customer_id: str
    status: str
    link: str
    answers: dict
    reward_ref: str
    channel: str = ""  # where it was delivered: email, whatsapp, sms, webchat (inline), pos (a tablet link)
    delivery: str = ""  # "" on its way | delivered | not_sent
    delivery_reason: str = ""  # not_sent: no_consent | no_channel


class AnswersIn(Schema):
    answers: dict


def _send_out(request, send) -> dict:
    return {"id": send.public_id, "survey_id": send.survey.public_id, "customer_id": send.customer_id,
            "status": send.status, "answers": send.answers, "reward_ref": send.reward_ref, "channel": send.channel,
            "delivery": send.delivery, "delivery_reason": send.delivery_reason,
            "link": request.build_absolute_uri(reverse("feedback-survey", args=[surveys.link_token(send)]))}


@router.post("/surveys", response={201: SurveyOut}, summary="A survey (CSAT, NPS, CES or custom questions, es and en)")
def create_survey(request, body: SurveyIn):
    """Creates a survey: CSAT, NPS, CES or custom questions, with its texts in Spanish and English."""
    actor = require_role(request, *roles.SURVEYS)
    reward = body.reward or RewardIn()
    with transaction.atomic():
        survey = surveys.do_create_survey(name=body.name, kind=body.kind, questions=body.questions,
                                          reward_kind=reward.kind, reward_value=str(reward.value), actor=actor)
    return Status(201, {"id": survey.public_id, "name": survey.name, "kind": survey.kind, "questions": survey.questions,
                        "reward": {"kind": survey.reward_kind, "value": float(survey.reward_value)}})


@router.post("/surveys/{survey_id}/sends", response={201: SendOut},
             summary="Offer a survey to a customer, if the fatigue governor allows (else 409 with when)")
def send_survey(request, survey_id: str, body: SendIn):
    """Offers a survey to a customer on a channel they consented to, if the fatigue governor allows it;
    otherwise 409 with the next time it may."""
    require_role(request, *roles.SURVEYS)
    with transaction.atomic():
        send = surveys.do_send_survey(survey_id=survey_id, customer_id=body.customer_id, trigger=body.trigger,
                                      language=body.language)
    if send is None:
        budget = queries.eligibility(customers.customer_summary(body.customer_id).id)
        raise Conflict(detail=_("The customer's survey budget does not allow another survey now."),
                       extra={"reason": budget.reason, "next_eligible_at": budget.next_eligible_at.isoformat()
                              if budget.next_eligible_at else None})
    return Status(201, _send_out(request, send))


@router.post("/survey-sends/{send_id}/answers", response=SendOut,
             summary="Answers for a send (partial answers are kept; the reward comes once, on completion)")
def answer_survey(request, send_id: str, body: AnswersIn):
    """Records answers for a survey send; partial answers are kept, and the reward (points or a coupon) is
    given once, when the survey is complete."""
    require_role(request, *roles.SURVEYS)
    with transaction.atomic():
        send = surveys.do_answer(send_id=send_id, answers=body.answers)
    return _send_out(request, send)


# --- unsolicited feedback, sentiment and trend alerts --------------------------------------------


class SentimentIn(Schema):
    text: str = Field(min_length=1, max_length=4000)


class SentimentOut(Schema):
    language: str
    label: str
    score: float


class FeedbackIn(Schema):
    source: str = Field(max_length=20)  # social | app_store | csv | other
    text: str = Field(default="", max_length=4000)
    author: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)
    at: dt.datetime | None = None
    customer_id: str = Field(default="", max_length=40)
    store: str = Field(default="", max_length=32)
    rating: int | None = Field(default=None, ge=1, le=5)
    external_id: str = Field(default="", max_length=300)


class FeedbackOut(Schema):
    id: str
    source: str
    text: str
    author: str
    url: str
    customer_id: str | None
    store: str
    rating: int | None
    language: str
    sentiment: SentimentOut
    topics: list[str]
    ticket_id: str | None
    ticket_number: str | None
    at: dt.datetime


class FeedbackImportOut(Schema):
    created: int
    duplicates: int
    ids: list[str]
    errors: list[dict]


class AlertOut(Schema):
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


def _feedback_out(item: queries.FeedbackInfo) -> dict:
    return {"id": item.id, "source": item.source, "text": item.text, "author": item.author, "url": item.url,
            "customer_id": item.customer_id or None, "store": item.store, "rating": item.rating,
            "language": item.language,
            "sentiment": {"language": item.language, "label": item.sentiment, "score": item.score},
            "topics": list(item.topics), "ticket_id": item.ticket_id or None,
            "ticket_number": item.ticket_number or None, "at": item.at}


@router.post("/sentiment", response=SentimentOut, summary="Language and sentiment of a text (es, en; offline)")
def sentiment(request, body: SentimentIn):
    """The language (es or en) and the sentiment of a text: negative, neutral or positive, with a score from
    -1 to 1 (the bot's understanding; offline)."""
    require_role(request, *roles.UNSOLICITED)
    from omnicanal.bot import queries as bot

    found = bot.sentiment(body.text)
    return {"language": found.language, "label": found.label, "score": found.score}


@router.post("/feedback", response={200: FeedbackOut, 201: FeedbackOut},
             summary="Unsolicited feedback (a social mention, an app-store review): sentiment, topics, a ticket if negative")
def post_feedback(request, body: FeedbackIn):
    """Records unsolicited feedback with its language, sentiment and topics. Negative feedback (or 1-2 stars)
    from an identified customer (customer_id, or an author email or phone we know) opens a ticket in the
    inbox: ticket_id. The same external_id (or url) of a source again answers 200 with the first record."""
    require_role(request, *roles.UNSOLICITED)
    item = unsolicited.FeedbackIn(source=body.source, text=body.text, author=body.author, url=body.url, at=body.at,
                                  customer_id=body.customer_id, store=body.store, rating=body.rating,
                                  ref=body.external_id or body.url)
    with transaction.atomic():
        row, created = unsolicited.do_record_feedback(item=item)
    # Read after the commit: the ticket was opened by the in-process handler right after it.
    return Status(201 if created else 200, _feedback_out(queries.feedback_row(row.public_id)))


@router.post("/feedback/import", response=FeedbackImportOut,
             summary="Unsolicited feedback from a CSV (a row per item; bad rows reported, good ones kept)")
def import_feedback(request, file: File[UploadedFile] = None):
    """Records feedback from a UTF-8 CSV with a header: text (required), source, author, url, at, customer_id,
    store, rating, id. Each row stands alone: a bad one is reported with its row number and field, the others
    are recorded; an id already imported is counted as a duplicate."""
    require_role(request, *roles.UNSOLICITED)
    raw = file.read() if file is not None else request.body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.on("file", _("must be UTF-8 CSV")) from exc
    with transaction.atomic():
        result = unsolicited.do_import_csv(content=text)
    return {"created": len(result.created), "duplicates": result.duplicates, "ids": result.created,
            "errors": result.errors}


@router.get("/feedback", response=list[FeedbackOut], summary="The feedback stream, newest first, with filters")
def list_feedback(request, source: str = "", sentiment: str = "", topic: str = "", store: str = "",
                  customer_id: str = "", since: dt.datetime | None = None, until: dt.datetime | None = None,
                  limit: int = Query(100, ge=1, le=500)):
    """Unsolicited feedback newest first, filtered by source, sentiment, topic, store, customer and time."""
    require_role(request, *roles.READ)
    spec = queries.StreamFilter(source=source, sentiment=sentiment, topic=topic, store=store,
                                customer_id=customer_id, since=since, until=until)
    return [_feedback_out(item) for item in queries.feedback_stream(spec, limit=limit)]


@router.get("/feedback/alerts", response=list[AlertOut], summary="Trend alerts: a store's or topic's negative share jumped")
def list_alerts(request, open_only: bool = True):
    """Trend alerts, newest first: the negative share of a store's or a topic's feedback jumped against the
    previous period (docs/feedback.md, Trend alerts). open_only leaves out acknowledged ones."""
    require_role(request, *roles.READ)
    return [alert.__dict__ for alert in queries.trend_alerts(open_only=open_only)]


@router.post("/feedback/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge a trend alert")
def acknowledge_alert(request, alert_id: str):
    """Marks a trend alert as seen: it leaves the console's banner."""
    actor = require_role(request, *roles.ALERTS)
    with transaction.atomic():
        trends.do_acknowledge(alert_id=alert_id, actor=actor)
    return next(a.__dict__ for a in queries.trend_alerts(open_only=False, limit=500) if a.id == alert_id)


# --- survey triggers, segment sends, the POS's tablet link (services.triggers, services.delivery) ----


class TriggerIn(Schema):
    event: str = Field(max_length=30)  # picked_up | delivered | return_received | ticket_solved | …
    delay_hours: int = Field(default=0, ge=0, le=2160)
    channel: str = Field(default="", max_length=20)
    curbside: bool = False
    bot: bool = False
    store: str = Field(default="", max_length=32)


class TriggerOut(Schema):
    id: str
    survey_id: str
    event: str
    delay_hours: int
    channel: str
    curbside: bool
    bot: bool
    store: str
    active: bool


class SegmentSendIn(Schema):
    segment_id: str = Field(min_length=1, max_length=40)


class SegmentSendOut(Schema):
    scheduled: int


class PosSendIn(Schema):
    order_id: str = Field(min_length=1, max_length=40)


class PosSendOut(SendOut):
    qr_svg: str


def _trigger_out(trigger) -> dict:
    return {"id": trigger.public_id, "survey_id": trigger.survey.public_id, "event": trigger.event,
            "delay_hours": trigger.delay_hours, "channel": trigger.channel, "curbside": trigger.curbside,
            "bot": trigger.bot, "store": trigger.store, "active": trigger.active}


@router.post("/surveys/{survey_id}/triggers", response={201: TriggerOut},
             summary="Send the survey after an event, with a delay, to the customers it targets")
def create_trigger(request, survey_id: str, body: TriggerIn):
    """A trigger: after an event (a pickup completed, a delivery, a return received, a ticket solved, an
    agent conversation resolved, a bot conversation ended), `delay_hours` later, to the customers who
    used `channel`, curbside, the bot alone or `store` (empty: everyone)."""
    actor = require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.services import triggers

    with transaction.atomic():
        trigger = triggers.do_create_trigger(survey_id=survey_id, actor=actor, **body.dict())
    return Status(201, _trigger_out(trigger))


class TriggerPatch(Schema):
    event: str | None = Field(default=None, max_length=30)
    delay_hours: int | None = Field(default=None, ge=0, le=2160)
    channel: str | None = Field(default=None, max_length=20)
    curbside: bool | None = None
    bot: bool | None = None
    store: str | None = Field(default=None, max_length=32)
    active: bool | None = None


@router.patch("/survey-triggers/{trigger_id}", response=TriggerOut,
              summary="Change a trigger's event, delay or targeting, or pause it (active false)")
def update_trigger(request, trigger_id: str, body: TriggerPatch):
    """Only the fields sent change. `active: false` pauses the trigger (events schedule nothing new),
    `true` resumes it; sends it already scheduled keep their due time (cancel them one by one)."""
    actor = require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.services import triggers

    with transaction.atomic():
        trigger = triggers.do_update_trigger(trigger_id=trigger_id, actor=actor, **body.dict(exclude_none=True))
    return _trigger_out(trigger)


class DueSendOut(Schema):
    id: int
    kind: str = Field(description="survey | review_request")
    survey_id: str
    customer_id: str
    trigger: str
    due_at: dt.datetime
    status: str = Field(description="pending | sent | skipped")
    reason: str = Field(description="why skipped (budget, cancelled, reviewed…) or why held last")
    channel: str = Field(description="where it went; webchat while waiting to answer in that chat")
    send_id: str


def _due_out(info) -> dict:
    return {"id": info.id, "kind": info.kind, "survey_id": info.survey_id, "customer_id": info.customer_id,
            "trigger": info.trigger, "due_at": info.due_at, "status": info.status, "reason": info.reason,
            "channel": info.channel, "send_id": info.send_id}


class DueFilter(Schema):
    status: str = Field(default="pending", max_length=10)
    survey_id: str = Field(default="", max_length=32)
    customer_id: str = Field(default="", max_length=32)
    limit: int = Field(default=100, ge=1, le=500)


@router.get("/due-sends", response=list[DueSendOut], summary="Surveys and review requests waiting to be sent")
def list_due_sends(request, filters: Query[DueFilter]):
    """Due sends by state (pending: the next due first; sent or skipped: the latest first), of one survey or
    customer when asked."""
    require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.models import DueStatus

    if filters.status not in DueStatus.values:
        raise ValidationFailed.on("status", _("One of pending, sent, skipped."))
    return [_due_out(d) for d in queries.due_sends(status=filters.status, survey_id=filters.survey_id,
                                                   customer_id=filters.customer_id, limit=filters.limit)]


@router.post("/due-sends/{due_id}/cancel", response=DueSendOut, summary="Cancel a waiting survey or review request")
def cancel_due_send(request, due_id: int):
    """The send is not made: it ends `skipped` with the reason `cancelled`. Already sent or skipped: 409."""
    actor = require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.services import triggers

    with transaction.atomic():
        triggers.do_cancel_due(due_id=due_id, actor=actor)
    return _due_out(next(d for d in queries.due_sends(limit=1, due_id=due_id)))


@router.get("/surveys/{survey_id}/triggers", response=list[TriggerOut], summary="A survey's triggers")
def list_triggers(request, survey_id: str):
    """The survey's triggers: the event, the delay and whom each targets."""
    require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.models import SurveyTrigger

    return [_trigger_out(t) for t in SurveyTrigger.objects.filter(survey__public_id=survey_id).select_related("survey")]


@router.post("/surveys/{survey_id}/segment-sends", response={202: SegmentSendOut},
             summary="Send the survey once to a marketing segment (the worker sends, the governor decides each)")
def send_to_segment(request, survey_id: str, body: SegmentSendIn):
    """Schedules the survey for every customer of the segment now; the worker sends them within minutes,
    each only if that customer's survey budget allows."""
    require_role(request, *roles.SURVEYS)
    from omnicanal.feedback.services import triggers

    with transaction.atomic():
        count = triggers.do_schedule_segment(survey_id=survey_id, segment_id=body.segment_id)
    return Status(202, {"scheduled": count})


@router.post("/surveys/{survey_id}/pos-sends", response={201: PosSendOut},
             summary="The survey for a POS sale's customer: a link and QR for the tablet (else 409 with when)")
def pos_send(request, survey_id: str, body: PosSendIn):
    """At the POS's end: the survey for the sale's customer, shown on the tablet as a link and a QR
    (nothing is messaged), if the fatigue governor allows; otherwise 409 with the next time it may."""
    require_role(request, *roles.POS_SURVEY)
    import segno

    from omnicanal.core.errors import NotFound, Problem
    from omnicanal.orders import queries as orders

    try:
        order = orders.get_order(body.order_id)
    except Problem:
        raise NotFound(detail=_("No order %(order)s.") % {"order": body.order_id}) from None
    if not order.customer_id:
        raise ValidationFailed.on("order_id", _("The sale has no customer to ask."))
    with transaction.atomic():
        send = surveys.do_send_survey(survey_id=survey_id, customer_id=order.customer_id,
                                      trigger=f"pos:{order.public_id}", deliver=False,
                                      context={"order_id": order.public_id, "channel": order.channel})
    if send is None:
        budget = queries.eligibility(customers.customer_summary(order.customer_id).id)
        raise Conflict(detail=_("The customer's survey budget does not allow another survey now."),
                       extra={"reason": budget.reason, "next_eligible_at": budget.next_eligible_at.isoformat()
                              if budget.next_eligible_at else None})
    out = _send_out(request, send)
    return Status(201, {**out, "qr_svg": segno.make(out["link"], error="m").svg_inline(scale=4)})

# --- the suggestions box ------------------------------------------------------------------------------


class BoardSuggestionOut(Schema):
    id: str
    title: str
    text: str
    kind: str
    source: str
    status: str
    votes: int
    customer_id: str | None
    conversation_id: str | None
    merged_into: str | None
    reply: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SuggestionForCustomerIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(default="", max_length=2000)
    kind: str = Field(default="product", max_length=10)  # product | feature
    conversation_id: str = Field(default="", max_length=32)


class SuggestionStatusIn(Schema):
    status: str = Field(max_length=14)  # open | under_review | planned | done | declined
    reply: str = Field(default="", max_length=2000)


class SuggestionMergeIn(Schema):
    into: str = Field(min_length=1, max_length=32)


class SuggestionReplyIn(Schema):
    text: str = Field(min_length=1, max_length=2000)


def _suggestion_out(item: queries.SuggestionInfo) -> dict:
    return {"id": item.id, "title": item.title, "text": item.text, "kind": item.kind, "source": item.source,
            "status": item.status, "votes": item.votes, "customer_id": item.customer_id or None,
            "conversation_id": item.conversation_id or None, "merged_into": item.merged_into or None,
            "reply": item.reply, "created_at": item.created_at, "updated_at": item.updated_at}


@router.get("/suggestions", response=list[BoardSuggestionOut], summary="The suggestions board, most voted first")
def list_suggestions(request, status: str = "", q: str = "", limit: int = Query(100, ge=1, le=500)):
    """Suggestions most voted first; `status` filters (merged ones only when asked for), `q` searches titles."""
    require_role(request, *roles.READ)
    return [_suggestion_out(s) for s in queries.suggestions(status=status, query=q, limit=limit)]


@router.post("/customers/{customer_id}/suggestions", response={201: BoardSuggestionOut},
             summary="File a suggestion for a customer (from a chat: an agent or the bot)")
def file_suggestion(request, customer_id: str, body: SuggestionForCustomerIn):
    """Files a suggestion in the customer's name, with their vote: what an agent or the bot does when a customer
    proposes something in a conversation."""
    from omnicanal.feedback.services import suggestions

    require_role(request, *roles.SUGGESTIONS)
    with transaction.atomic():
        row = suggestions.do_propose(customer_id=customer_id, title=body.title, text=body.text, kind=body.kind,
                                     source="chat", conversation_id=body.conversation_id)
    return Status(201, _suggestion_out(queries.get_suggestion(row.public_id)))


@router.post("/suggestions/{suggestion_id}/status", response=BoardSuggestionOut,
             summary="Set a suggestion's status (the author and voters are told on their consented channel)")
def set_suggestion_status(request, suggestion_id: str, body: SuggestionStatusIn):
    """Sets the status (under review, planned, done, declined; open again) with an optional public reply; the
    author and every voter are told after the commit, on their consented channel."""
    from omnicanal.feedback.services import suggestions

    actor = require_role(request, *roles.SUGGESTIONS)
    with transaction.atomic():
        suggestions.do_set_status(suggestion_id=suggestion_id, status=body.status, reply=body.reply, actor=actor)
    return _suggestion_out(queries.get_suggestion(suggestion_id))


@router.post("/suggestions/{suggestion_id}/merge", response=BoardSuggestionOut,
             summary="Merge a duplicate into another suggestion (votes move, each customer counted once)")
def merge_suggestion(request, suggestion_id: str, body: SuggestionMergeIn):
    """Merges this suggestion into `into`: its votes move there (a customer who voted both counts once) and it
    closes as merged. Answers the surviving suggestion."""
    from omnicanal.feedback.services import suggestions

    actor = require_role(request, *roles.SUGGESTIONS)
    with transaction.atomic():
        survivor = suggestions.do_merge(suggestion_id=suggestion_id, into_id=body.into, actor=actor)
    return _suggestion_out(queries.get_suggestion(survivor.public_id))


@router.post("/suggestions/{suggestion_id}/reply", response=BoardSuggestionOut,
             summary="The business's public answer on a suggestion")
def reply_suggestion(request, suggestion_id: str, body: SuggestionReplyIn):
    """Sets the public answer shown on the board under the suggestion (no status change, nobody told)."""
    from omnicanal.feedback.services import suggestions

    actor = require_role(request, *roles.SUGGESTIONS)
    with transaction.atomic():
        suggestions.do_reply(suggestion_id=suggestion_id, text=body.text, actor=actor)
    return _suggestion_out(queries.get_suggestion(suggestion_id))

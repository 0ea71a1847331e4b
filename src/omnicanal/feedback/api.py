"""The voice of the customer's API (../shared/API.md, "Voice of the customer"): parse, call one
service or query, answer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.core.auth import require_role
from omnicanal.core.errors import Conflict
from omnicanal.customers import queries as customers
from omnicanal.feedback import queries, roles, schemas
from omnicanal.feedback.models import ReviewStatus
from omnicanal.feedback.services import reviews, surveys

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
    kind: str = Field(default="", max_length=10)  # "", points, coupon
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


class AnswersIn(Schema):
    answers: dict


def _send_out(request, send) -> dict:
    return {"id": send.public_id, "survey_id": send.survey.public_id, "customer_id": send.customer_id,
            "status": send.status, "answers": send.answers, "reward_ref": send.reward_ref,
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

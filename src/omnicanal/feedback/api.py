"""The voice of the customer's API (../shared/API.md, "Voice of the customer"): parse, call one
service or query, answer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from ninja import Router, Schema
from pydantic import Field

from omnicanal.core.auth import require_role
from omnicanal.customers import queries as customers
from omnicanal.feedback import queries, roles, schemas
from omnicanal.feedback.models import ReviewStatus
from omnicanal.feedback.services import reviews

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


class ReplyIn(Schema):
    text: str = Field(min_length=1, max_length=2000)


def _moderated(request, review: queries.ReviewInfo) -> dict:
    return {**schemas.review_out(request, review), "status": review.status, "sku": review.sku,
            "product_handle": review.product_handle, "order_id": review.order_id,
            "customer_id": review.customer_id, "flags": list(review.flags), "alert": review.alert}


@router.get("/customers/{customer_id}/surveys/eligibility", response=EligibilityOut,
            summary="May this customer be asked for their opinion now (the fatigue governor), and why")
def eligibility(request, customer_id: str):
    require_role(request, *roles.READ)
    budget = queries.eligibility(customers.customer_summary(customer_id).id)
    return {"eligible": budget.eligible, "next_eligible_at": budget.next_eligible_at,
            "interactions_per_month": budget.interactions_per_month, "reason": budget.reason,
            "interval_days": budget.interval_days, "last_asked_at": budget.last_contact_at}


@router.get("/products/{handle}/reviews", response=schemas.ReviewsOut,
            summary="A product's published reviews, average and distribution")
def product_reviews(request, handle: str):
    require_role(request, *roles.READ, "store_staff")
    return schemas.product_reviews(request, handle)


@router.get("/reviews", response=list[ModeratedOut], summary="Reviews by status (pending: the moderation queue)")
def list_reviews(request, status: ReviewStatus = ReviewStatus.PENDING):
    require_role(request, *roles.MODERATE)
    return [_moderated(request, r) for r in queries.moderation_queue(status=status)]


@router.post("/reviews/{review_id}/approve", response=ModeratedOut, summary="Publish a held review")
def approve(request, review_id: str):
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_approve_review(review_id=review_id, actor=actor)
    return _moderated(request, queries.get_review(review_id))


@router.post("/reviews/{review_id}/reject", response=ModeratedOut, summary="Keep a review off the shop")
def reject(request, review_id: str, body: RejectIn):
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_reject_review(review_id=review_id, reason=body.reason, actor=actor)
    return _moderated(request, queries.get_review(review_id))


@router.post("/reviews/{review_id}/reply", response=ModeratedOut, summary="The business's public answer")
def reply(request, review_id: str, body: ReplyIn):
    actor = require_role(request, *roles.MODERATE)
    with transaction.atomic():
        reviews.do_reply_review(review_id=review_id, text=body.text, actor=actor)
    return _moderated(request, queries.get_review(review_id))

"""Feedback's routes in the Store API (/api/store/v1; registered through storefront.registry, so
the storefront never imports feedback): a signed-in shopper reviews a line that reached them, and
anyone reads a product's published reviews."""

from __future__ import annotations

import base64
import binascii

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.core.errors import ValidationFailed
from omnicanal.feedback import queries, schemas
from omnicanal.feedback.services import reviews
from omnicanal.storefront.auth import browse_auth, shopper_auth

router = Router(tags=["store"])


class PhotoIn(Schema):
    filename: str = Field(default="photo", max_length=120)
    data: str = Field(max_length=8_000_000)  # base64


class ReviewIn(Schema):
    order_id: str = Field(min_length=1, max_length=40)
    sku: str = Field(min_length=1, max_length=64)
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=4000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=8)


class ReviewCreated(schemas.ReviewOut):
    status: str  # published, or pending: held for a person to read first


def _photos(items: list[PhotoIn]) -> list[reviews.PhotoIn]:
    out = []
    for index, item in enumerate(items):
        try:
            out.append(reviews.PhotoIn(filename=item.filename, content=base64.b64decode(item.data, validate=True)))
        except (binascii.Error, ValueError):
            raise ValidationFailed.on(f"photos[{index}].data", _("Not base64.")) from None
    return out


@router.post("/reviews", response={201: ReviewCreated}, auth=shopper_auth,
             summary="Review a product of one of your orders that reached you (one review per order line)")
def post_review(request: HttpRequest, body: ReviewIn):
    """The signed-in customer reviews a product of one of their orders that reached them: a rating from 1 to 5
    and a text, one review per order line. It may be held for moderation before it shows."""
    shopper = request.shopper  # type: ignore[attr-defined]  # set by ShopperAuth
    if not shopper.customer_id:
        from omnicanal.core.errors import Unauthorized

        raise Unauthorized(detail=_("Sign in to do this."))
    with transaction.atomic():
        review = reviews.do_submit_review(customer_id=shopper.customer_id, order_id=body.order_id, sku=body.sku,
                                          rating=body.rating, text=body.text, photos=_photos(body.photos),
                                          language=(get_language() or "es")[:2])
    found = queries.get_review(review.public_id)
    return Status(201, {**schemas.review_out(request, found), "status": found.status})


@router.get("/products/{handle}/reviews", response=schemas.ReviewsOut, auth=browse_auth,
            summary="A product's published reviews, average and distribution")
def product_reviews(request: HttpRequest, handle: str):
    """A product's published reviews, newest first, with the average rating and the count per star."""
    return schemas.product_reviews(request, handle)

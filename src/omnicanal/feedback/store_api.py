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


# --- the suggestions box --------------------------------------------------------------------------------


class ShopSuggestionIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(default="", max_length=2000)
    kind: str = Field(default="product", max_length=10)  # product | feature


class ShopSuggestionOut(Schema):
    id: str
    title: str
    text: str
    kind: str
    status: str
    votes: int
    voted: bool
    merged_into: str | None
    reply: str
    created_at: str


def _shop_suggestion(item: queries.SuggestionInfo) -> dict:
    return {"id": item.id, "title": item.title, "text": item.text, "kind": item.kind, "status": item.status,
            "votes": item.votes, "voted": item.voted, "merged_into": item.merged_into or None, "reply": item.reply,
            "created_at": item.created_at.isoformat()}


def _signed_in(request: HttpRequest) -> str:
    from omnicanal.core.errors import Unauthorized

    shopper = getattr(request, "shopper", None)
    if shopper is None or not shopper.customer_id or not getattr(shopper, "signed_in", True):
        raise Unauthorized(detail=_("Sign in to do this."))
    return shopper.customer_id


def _reader(request: HttpRequest) -> str:
    shopper = getattr(request, "shopper", None)
    return (shopper.customer_id or "") if shopper is not None else ""


@router.get("/suggestions", response=list[ShopSuggestionOut], auth=browse_auth,
            summary="The suggestions box: what customers propose, most voted first")
def shop_suggestions(request: HttpRequest, status: str = "", order: str = "votes"):
    """Suggestions most voted first (order=new: newest first); `voted` says whether the signed-in shopper voted."""
    return [_shop_suggestion(s) for s in queries.suggestions(status=status if status != "merged" else "",
                                                             order=order, for_customer=_reader(request), limit=100)]


@router.post("/suggestions", response={201: ShopSuggestionOut}, auth=shopper_auth,
             summary="Propose a product or a feature (your vote counts at once)")
def propose(request: HttpRequest, body: ShopSuggestionIn):
    """The signed-in customer proposes a product or a feature; their own vote counts at once."""
    from omnicanal.feedback.services import suggestions

    customer_id = _signed_in(request)
    with transaction.atomic():
        row = suggestions.do_propose(customer_id=customer_id, title=body.title, text=body.text, kind=body.kind,
                                     source="app", language=(get_language() or "es")[:2])
    return Status(201, _shop_suggestion(queries.get_suggestion(row.public_id, for_customer=customer_id)))


@router.post("/suggestions/{suggestion_id}/vote", response=ShopSuggestionOut, auth=shopper_auth,
             summary="Vote for a suggestion (once; again changes nothing)")
def vote(request: HttpRequest, suggestion_id: str):
    """The signed-in customer's vote (one per customer; a merged suggestion's goes to the one it joined)."""
    from omnicanal.feedback.services import suggestions

    customer_id = _signed_in(request)
    with transaction.atomic():
        row = suggestions.do_vote(suggestion_id=suggestion_id, customer_id=customer_id)
    return _shop_suggestion(queries.get_suggestion(row.public_id, for_customer=customer_id))


@router.delete("/suggestions/{suggestion_id}/vote", response=ShopSuggestionOut, auth=shopper_auth,
               summary="Take back your vote")
def unvote(request: HttpRequest, suggestion_id: str):
    """Takes back the signed-in customer's vote."""
    from omnicanal.feedback.services import suggestions

    customer_id = _signed_in(request)
    with transaction.atomic():
        suggestions.do_unvote(suggestion_id=suggestion_id, customer_id=customer_id)
    return _shop_suggestion(queries.get_suggestion(suggestion_id, for_customer=customer_id))

"""Wire shapes shared by feedback's two APIs (/api/v1 and the Store API)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from omnicanal.feedback import queries


class PhotoOut(Schema):
    id: str
    url: str
    content_type: str


class ReviewOut(Schema):
    id: str
    rating: int
    text: str
    author: str
    verified_buyer: bool
    at: dt.datetime
    photos: list[PhotoOut]
    reply: str | None = None
    replied_at: dt.datetime | None = None


class ReviewsOut(Schema):
    average: float | None
    count: int
    distribution: dict[str, int]
    items: list[ReviewOut]


def review_out(request, review: queries.ReviewInfo) -> dict:
    return {
        "id": review.id, "rating": review.rating, "text": review.text, "author": review.author_name,
        "verified_buyer": review.verified_buyer, "at": review.published_at or review.created_at,
        "photos": [{"id": p.id, "url": request.build_absolute_uri(p.url), "content_type": p.content_type}
                   for p in review.photos],
        "reply": review.reply or None, "replied_at": review.replied_at,
    }


def product_reviews(request, handle: str) -> dict:
    found = queries.rating(handle)
    return {"average": found.average, "count": found.count,
            "distribution": {str(stars): n for stars, n in found.distribution.items()},
            "items": [review_out(request, r) for r in queries.published_reviews(handle)]}

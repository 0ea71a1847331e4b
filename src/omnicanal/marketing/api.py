"""Marketing's API (../shared/API.md, "Marketing"): parse, call one query or service, answer."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status

from omnicanal.catalog import queries as catalog
from omnicanal.core.auth import require_role
from omnicanal.customers import queries as customers
from omnicanal.marketing import queries, roles, services

router = Router(tags=["marketing"])


class CycleOut(Schema):
    category: str
    category_name: str
    cycle: str  # one_off | durable | replenishable
    interval_days: int | None
    purchases: int
    last_purchase_at: dt.datetime
    next_due_at: dt.datetime | None
    suppressed_until: dt.datetime | None


class CyclesOut(Schema):
    items: list[CycleOut]


class RecommendationOut(Schema):
    sku: str
    product: str  # the product's handle
    name: str
    score: float
    reason: str


class RecommendationsOut(Schema):
    items: list[RecommendationOut]


class RecommendationsQuery(Schema):
    limit: int = Field(10, ge=1, le=50)
    channel: str = Field("web", max_length=30)


class TrainingOut(Schema):
    trained_at: dt.datetime
    purchases: int
    products: int
    seconds: float


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


@router.get("/customers/{customer_id}/purchase-cycles", response=CyclesOut,
            summary="The customer's purchase cycle per category, learned from their orders on every channel")
def purchase_cycles(request, customer_id: str):
    """Per category the customer bought: its cycle kind (one-off, durable, replenishable), the learned
    interval (the median gap between purchases on any channel, shrunk toward the category's default),
    the last purchase, when the next is due and until when promotions of it are held back."""
    require_role(request, *roles.READ)
    return {"items": queries.purchase_cycles(customer_id, language=_language())}


@router.get("/customers/{customer_id}/recommendations", response=RecommendationsOut,
            summary="Products to suggest to the customer on a channel, best first, with the reason")
def recommendations(request, customer_id: str, query: Query[RecommendationsQuery]):
    """What to suggest to this customer on a channel, each with its reason in the reader's language;
    never what is unpublished or unavailable there, a one-off or durable product already bought, or
    what they returned as unwanted."""
    require_role(request, *roles.READ)
    customer = customers.customer_summary(customer_id)
    channel = catalog.check_channel(query.channel)
    found = queries.recommend(customer_id=customer.id, channel=channel, context="home", limit=query.limit,
                              language=_language())
    return {"items": [{"sku": r.sku, "product": r.handle, "name": r.name, "score": r.score, "reason": r.reason}
                      for r in found]}


@router.post("/recommender/train", response={201: TrainingOut},
             summary="Retrain the recommender now (the periodic task does it nightly)")
def train(request):
    """Retrain the recommender now from every channel's orders, views and the catalog (a nightly task
    does it anyway); answers how much it learned and how long it took."""
    require_role(request, *roles.OPERATE)
    row = services.do_train_recommender()
    return Status(201, {"trained_at": row.trained_at, "purchases": row.purchases, "products": row.products,
                        "seconds": row.seconds})


class SegmentIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    rules: list = Field(default_factory=list, description="[{field, op, value}]: docs/marketing.md, Segments")


class SegmentCreated(Schema):
    id: str
    size: int


class SegmentOut(Schema):
    id: str
    name: str
    rules: list
    size: int  # counted now
    saved_size: int
    created_at: dt.datetime


class SegmentCountIn(Schema):
    rules: list = Field(default_factory=list)


class SegmentCountOut(Schema):
    size: int


@router.post("/segments", response={201: SegmentCreated},
             summary="Save a segment: rules over the one customer (all must hold); answers its size")
def create_segment(request, body: SegmentIn):
    """Save a segment: rules over the one customer (categories bought, channels used, orders, spend,
    days since the last purchase, language, city, marketing consent); answers its size now. A bad rule
    is a 422 naming it."""
    principal = require_role(request, *roles.SEGMENTS)
    row = services.do_create_segment(name=body.name, rules=body.rules, actor_name=principal.name)
    return Status(201, {"id": row.public_id, "size": row.size})


@router.post("/segments/count", response=SegmentCountOut, summary="The live count of customers these rules select")
def count_segment(request, body: SegmentCountIn):
    """How many customers these rules select right now, without saving them (the builder's live count)."""
    require_role(request, *roles.SEGMENTS)
    return {"size": len(queries.segment_members(services.check_rules(body.rules)))}


@router.get("/segments/{segment_id}", response=SegmentOut, summary="A saved segment with its size counted now")
def get_segment(request, segment_id: str):
    """A saved segment, its rules and its size counted now."""
    require_role(request, *roles.SEGMENTS)
    return queries.get_segment(segment_id)

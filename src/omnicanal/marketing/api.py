"""Marketing's API (../shared/API.md, "Marketing"): parse, call one query or service, answer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status

from omnicanal.catalog import queries as catalog
from omnicanal.core.auth import require_location, require_role
from omnicanal.customers import queries as customers
from omnicanal.marketing import campaigns, queries, roles, services

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
    kind: str = "for_you"


class RecommendationsQuery(Schema):
    limit: int = Field(10, ge=1, le=50)
    channel: str = Field("web", max_length=30)
    kind: str = Field("for_you", max_length=30,
                      description="for_you (every signal) or because_viewed (like the customer's recently viewed products)")
    store: str = Field("", max_length=40, description="the asking store's code (a POS): only what it has now, "
                                                      "topped up with its own best sellers")


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
    never what is unpublished or unavailable there (at the asking `store`, when given), a one-off or
    durable product already bought, or what they returned as unwanted. `kind=because_viewed`: only
    what is like their recently viewed products, each reason naming one."""
    principal = require_role(request, *roles.RECOMMEND)
    customer = customers.customer_summary(customer_id)
    channel = catalog.check_channel(query.channel)
    kind = queries.check_kind(query.kind)
    store = queries.check_store(query.store) if query.store else _own_store(principal)
    if store:
        require_location(principal, store)
    found = queries.recommend(customer_id=customer.id, channel=channel, context="home", limit=query.limit,
                              language=_language(), kind=kind, store=store)
    return {"kind": kind, "items": [{"sku": r.sku, "product": r.handle, "name": r.name, "score": r.score,
                                     "reason": r.reason} for r in found]}


def _own_store(principal) -> str:
    """The store a store-scoped key asks from when it names none: its one store, if it has one."""
    own = principal.locations or frozenset()
    return next(iter(own)) if len(own) == 1 else ""


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
    is a 422 naming it. Audited `segment.save` (`via: api`), as the console's save."""
    principal = require_role(request, *roles.SEGMENTS)
    with transaction.atomic():
        row = services.do_create_segment(name=body.name, rules=body.rules, actor=principal, via="api")
    return Status(201, {"id": row.public_id, "size": row.size})


@router.post("/segments/count", response=SegmentCountOut, summary="The live count of customers these rules select")
def count_segment(request, body: SegmentCountIn):
    """How many customers these rules select, without saving them (the builder's live count): counted
    over the population kept for counting, at most SEGMENT_COUNT_SECONDS (60) old; audited
    `segment.count` (small counts always, others once a minute per caller)."""
    principal = require_role(request, *roles.SEGMENTS)
    with transaction.atomic():
        return {"size": services.do_count_segment(rules=body.rules, actor=principal, via="api")}


@router.get("/segments/{segment_id}", response=SegmentOut, summary="A saved segment with its size counted now")
def get_segment(request, segment_id: str):
    """A saved segment, its rules and its size counted now."""
    require_role(request, *roles.SEGMENTS)
    return queries.get_segment(segment_id)


# --- campaigns -------------------------------------------------------------------------------------


class CampaignCouponIn(Schema):
    kind: str = Field(description="percent | amount | free_shipping")
    value: str = "0"
    days: int = Field(14, ge=1, le=365)


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    segment_id: str = Field(max_length=40)
    message: dict[str, str] = Field(description="{es, en}: the text every channel falls back to; placeholders "
                                                "{{ name }}, {{ points }}, {{ coupon }}, {{ link }}, {{ products }}")
    channels: list[str] | None = Field(None, description="email, whatsapp, sms, webchat (default: all)")
    control_percent: int = Field(0, ge=0, le=50)
    templates: dict | None = Field(None, description="{channel: {language: {...}}}: docs/marketing.md, Campaigns")
    promote_skus: list[str] = Field(default_factory=list)
    shop_channel: str = Field("web", max_length=20)
    link: str = Field("", max_length=300)
    recommendations: int = Field(0, ge=0, le=6)
    coupon: CampaignCouponIn | None = None
    attribution_days: int | None = Field(None, ge=1, le=90)
    scheduled_at: dt.datetime | None = None


class CampaignEditIn(Schema):
    message: dict[str, str] | None = Field(None, description="{es, en}: the text every channel falls back to")
    templates: dict | None = Field(None, description="{channel: {language: {...}}}: replaces them all; {} clears")


class CampaignCreated(Schema):
    id: str
    status: str


class ScheduleIn(Schema):
    at: dt.datetime


class SuppressedOut(Schema):
    no_consent: int
    frequency_cap: int
    quiet_hours: int
    purchase_cycle: int
    unavailable: int
    bounced: int
    no_channel: int


class LaunchOut(Schema):
    id: str
    status: str
    targeted: int
    sent: int
    held_out: int
    suppressed: SuppressedOut


class CampaignOut(LaunchOut):
    name: str
    segment_id: str
    channels: list[str]
    control_percent: int
    attribution_days: int
    scheduled_at: dt.datetime | None
    launched_at: dt.datetime | None
    held: int
    delivered: int
    clicked: int
    converted: int
    revenue: dict
    conversion_rate: float | None
    control_converted: int
    control_conversion_rate: float | None
    lift: float | None
    by_channel: dict[str, int]


class PreviewQuery(Schema):
    customer_id: str = Field(max_length=40)


class PreviewOut(Schema):
    channel: str
    language: str
    subject: str
    text: str
    html: str
    template: dict | None


def _results(campaign_id: str) -> dict:
    found = queries.campaign_results(campaign_id)
    out = found.__dict__.copy()
    out["revenue"] = {"amount": str(found.revenue), "currency": found.currency}
    return out


@router.post("/campaigns", response={201: CampaignCreated},
             summary="Compose a campaign: one message per customer of a segment, per channel and language")
def create_campaign(request, body: CampaignIn):
    """Compose a campaign for a saved segment: its text per language, templates per channel (email
    subject, text and HTML; WhatsApp's approved template and parameters; SMS within 160 characters;
    web chat), a control group held out, what it promotes, a unique coupon per message. With
    `scheduled_at` the worker launches it then; otherwise launch it."""
    principal = require_role(request, *roles.CAMPAIGNS)
    row = campaigns.do_create_campaign(
        name=body.name, segment_id=body.segment_id, message=body.message, channels=body.channels,
        control_percent=body.control_percent, templates=body.templates, promote_skus=body.promote_skus,
        shop_channel=body.shop_channel, link=body.link, recommendations=body.recommendations,
        coupon=body.coupon.dict() if body.coupon else None, attribution_days=body.attribution_days,
        scheduled_at=body.scheduled_at, actor=principal)
    return Status(201, {"id": row.public_id, "status": row.status})


@router.get("/campaigns/{campaign_id}", response=CampaignOut,
            summary="A campaign's results: sent, delivered, clicked, converted on any channel, revenue, lift")
def get_campaign(request, campaign_id: str):
    """Sent, delivered, clicked (signed tracked links), converted (an order on any channel within the
    attribution window, by the customer or with the campaign's coupon), revenue, and the lift of the
    conversion rate over the control group's; what was suppressed and why."""
    require_role(request, *roles.CAMPAIGNS)
    return _results(campaign_id)


@router.patch("/campaigns/{campaign_id}", response=CampaignOut,
              summary="Edit a draft or scheduled campaign's message and templates per channel")
def update_campaign(request, campaign_id: str, body: CampaignEditIn):
    """Change the text per language and the templates per channel and language of a campaign that
    has not started (checked as at creation: placeholders, the SMS within 160 characters with the
    opt-out words, WhatsApp's template name). Absent fields keep their value; `templates` replaces
    them all. 409 once the campaign is sending or done; audited marketing.campaign.update."""
    principal = require_role(request, *roles.CAMPAIGNS)
    campaigns.do_update_campaign(campaign_id=campaign_id, actor=principal, message=body.message,
                                 templates=body.templates)
    return _results(campaign_id)


@router.post("/campaigns/{campaign_id}/launch", response=LaunchOut,
             summary="Launch a campaign now; launching again resumes and never sends anyone twice")
def launch_campaign(request, campaign_id: str):
    """Send now to the segment's customers on their preferred consented channel, governed by consent,
    bounces, purchase cycles, availability, the control group, quiet hours (held until the window
    opens) and the weekly frequency cap; answers the counts."""
    principal = require_role(request, *roles.CAMPAIGNS)
    campaigns.do_launch_campaign(campaign_id=campaign_id, actor=principal)
    return _results(campaign_id)


@router.post("/campaigns/{campaign_id}/schedule", response=CampaignCreated,
             summary="Schedule a draft campaign: the worker launches it at that time")
def schedule_campaign(request, campaign_id: str, body: ScheduleIn):
    """Set when the worker launches a draft or scheduled campaign (a time in the future)."""
    principal = require_role(request, *roles.CAMPAIGNS)
    row = campaigns.do_schedule_campaign(campaign_id=campaign_id, at=body.at, actor=principal)
    return {"id": row.public_id, "status": row.status}


@router.post("/campaigns/{campaign_id}/cancel", response=CampaignCreated,
             summary="Cancel a campaign: nothing that still waits is sent")
def cancel_campaign(request, campaign_id: str):
    """Stop a campaign: scheduled or held messages are never sent; the ones that went stay counted."""
    principal = require_role(request, *roles.CAMPAIGNS)
    row = campaigns.do_cancel_campaign(campaign_id=campaign_id, actor=principal)
    return {"id": row.public_id, "status": row.status}


@router.get("/campaigns/{campaign_id}/preview", response=list[PreviewOut],
            summary="The campaign's message for one customer on every channel it may use")
def preview_campaign(request, campaign_id: str, query: Query[PreviewQuery]):
    """What this customer would read on each of the campaign's channels, in their language (the
    coupon shown as a sample code; nothing is sent or created)."""
    require_role(request, *roles.CAMPAIGNS)
    return campaigns.preview(campaign_id=campaign_id, customer_id=query.customer_id)


# --- flows (automated journeys: marketing.flows) ------------------------------------------------------


class FlowOut(Schema):
    kind: str
    enabled: bool
    delay_minutes: int
    channels: list[str]
    message: dict
    templates: dict
    link: str
    recommendations: int
    attribution_days: int
    tier_changes: str
    coupon: dict
    waiting: int
    sent: int
    converted: int
    stopped: int
    suppressed: dict


class FlowsOut(Schema):
    items: list[FlowOut]


class FlowIn(Schema):
    enabled: bool | None = None
    delay_minutes: int | None = None
    message: dict | None = None
    templates: dict | None = None
    channels: list[str] | None = None
    link: str | None = None
    recommendations: int | None = None
    attribution_days: int | None = Field(None, ge=1, le=90)
    tier_changes: Literal["upgrade", "any"] | None = None
    coupon: dict | None = Field(None, description="birthday only: {kind, value, days}, a unique coupon per message; "
                                                  "{} gives none")


class FlowEntryOut(Schema):
    flow: str
    status: str
    reason: str
    due_at: dt.datetime | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    channel: str
    converted: bool


class FlowEntriesOut(Schema):
    items: list[FlowEntryOut]


def _flow_out(row, results) -> dict:
    return {"kind": row.kind, "enabled": row.enabled, "delay_minutes": row.delay_minutes, "channels": row.channels,
            "message": row.message, "templates": row.templates, "link": row.link,
            "recommendations": row.recommendations, "attribution_days": row.attribution_days,
            "tier_changes": row.tier_changes, "coupon": row.coupon, **results[row.kind]}


@router.get("/flows", response=FlowsOut, summary="The automated journeys, their settings and results")
def list_flows(request):
    """Every flow (abandoned cart, browse, back in stock, replenishment, cross-sell, win-back,
    birthday, tier change), enabled or not, with its entries waiting, sent, converted, stopped and
    suppressed by reason."""
    from omnicanal.marketing import flows

    require_role(request, *roles.CAMPAIGNS)
    results = flows.flow_results()
    return {"items": [_flow_out(row, results) for row in flows.all_flows()]}


@router.patch("/flows/{kind}", response=FlowOut, summary="Enable, disable or edit a flow")
def update_flow(request, kind: str, body: FlowIn):
    """Only the fields given change; message and templates are checked as a campaign's;
    `attribution_days` (1–90) is how long after a message an order counts as its conversion;
    `tier_changes` (tier_change only: `upgrade`, the default, or `any`) says whether a downgrade
    starts the flow too (audited marketing.flow.update)."""
    from omnicanal.marketing import flows

    principal = require_role(request, *roles.CAMPAIGNS)
    row = flows.do_update_flow(kind=kind, actor=principal, **body.dict(exclude_none=True))
    return _flow_out(row, flows.flow_results())


@router.get("/customers/{customer_id}/flow-entries", response=FlowEntriesOut,
            summary="A customer's places in the automated journeys, with each decision's reason")
def customer_flow_entries(request, customer_id: str):
    """Newest first: waiting (and until when), sent (on which channel), stopped or suppressed (why)."""
    from omnicanal.marketing import flows

    require_role(request, *roles.CAMPAIGNS)
    customer_id = customers.resolve_id(customer_id)
    return {"items": [{"flow": e.flow.kind, "status": e.status, "reason": e.reason, "due_at": e.due_at,
                       "created_at": e.created_at, "decided_at": e.decided_at, "channel": e.channel,
                       "converted": e.converted_at is not None} for e in flows.entries_of(customer_id)]}


# Subscriptions' staff routes live in their own module (subscription_api.py).
from omnicanal.marketing import subscription_api  # noqa: E402

router.add_router("", subscription_api.router)


# --- segments out of the platform: export and ad audiences (marketing.audiences) ---------------------

SEGMENT_CSV = {"responses": {200: {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}}}


class AudienceQuery(Schema):
    platform: str = Field(max_length=10, description="google (Customer Match: Email, Phone) | meta (EMAIL, PHONE)")


def _download(found):
    from django.http import HttpResponse

    response = HttpResponse(found.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["X-Rows"] = str(found.rows)
    return response


@router.get("/segments/{segment_id}/export", summary="The segment's members now as CSV (audited)",
            openapi_extra=SEGMENT_CSV)
def export_segment(request, segment_id: str):
    """The segment's members counted now, as CSV: id, name, best email and phone, language, city and
    the channels with a marketing grant. Every download is audited (who, when, how many)."""
    from omnicanal.marketing import audiences

    principal = require_role(request, *roles.SEGMENTS)
    return _download(audiences.do_export_segment(segment_id=segment_id, actor=principal))


@router.get("/segments/{segment_id}/audience", summary="The segment as a hashed ad audience (Google Ads, Meta; audited)",
            openapi_extra=SEGMENT_CSV)
def segment_audience(request, segment_id: str, query: Query[AudienceQuery]):
    """The segment's consented members as a customer-match CSV for Google Ads (Email, Phone) or Meta
    (EMAIL, PHONE): SHA-256 of the trimmed lower-case email and of the E.164 phone (Meta: its digits);
    an email only with a marketing grant on email, a phone only with one on SMS or WhatsApp. Audited."""
    from omnicanal.marketing import audiences

    principal = require_role(request, *roles.SEGMENTS)
    return _download(audiences.do_export_audience(segment_id=segment_id, platform=query.platform, actor=principal))

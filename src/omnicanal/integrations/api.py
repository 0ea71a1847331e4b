"""Outbound webhooks' API (../shared/API.md, "Integrations"): parse, call one service or query, answer."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.catalog import queries as catalog
from omnicanal.core.auth import require_role
from omnicanal.core.schemas import Out
from omnicanal.integrations import feeds, queries, roles, services, tasks

router = Router(tags=["integrations"])


class EndpointIn(Schema):
    url: str = Field(min_length=1, max_length=500)
    events: list[str] = Field(max_length=50)
    scopes: list[str] = Field(default_factory=list, max_length=5)
    description: str = Field(default="", max_length=200)


class EndpointPatch(Schema):
    """Only the fields given change; each is validated as on creation."""
    url: str | None = Field(default=None, min_length=1, max_length=500)
    events: list[str] | None = Field(default=None, max_length=50)
    scopes: list[str] | None = Field(default=None, max_length=5)
    description: str | None = Field(default=None, max_length=200)


class RotatedOut(Out):
    id: str
    secret: str = Field(description="the new whsec_<base64> signing key, shown only now")
    previous_valid_until: dt.datetime = Field(
        description="until then deliveries also carry a signature under the previous secret")


class CreatedOut(Out):
    id: str
    secret: str = Field(description="whsec_<base64>: the signing key, shown only now")


class EndpointOut(Out):
    id: str
    url: str
    description: str
    events: list[str]
    scopes: list[str]
    active: bool
    disabled_reason: str
    consecutive_failures: int
    created_at: dt.datetime
    previous_secret_until: dt.datetime | None = Field(
        description="while set, a rotated-out secret still signs deliveries beside the current one")


class AttemptOut(Out):
    at: dt.datetime
    status_code: int | None
    error: str
    duration_ms: int


class WebhookDeliveryOut(Out):
    id: str = Field(description="the webhook-id every attempt carries")
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    log: list[AttemptOut]


@router.post("/webhook-endpoints", response={201: CreatedOut}, summary="Register a webhook endpoint")
def create_endpoint(request, body: EndpointIn):
    """Subscribe a URL to event types (`domain.fact`); the answer carries its signing secret
    (`whsec_…`) once. Deliveries are signed per Standard Webhooks; personal data only with the `pii`
    scope. Admins and integration keys only."""
    principal = require_role(request, *roles.MANAGE)
    endpoint_id, secret = services.do_create_endpoint(actor=principal, url=body.url, events=body.events,
                                                      scopes=body.scopes, description=body.description)
    return Status(201, {"id": endpoint_id, "secret": secret})


@router.get("/webhook-endpoints", response=list[EndpointOut], summary="Webhook endpoints")
def list_endpoints(request):
    """Every webhook endpoint with its events, scopes, state and failures in a row (never its secret)."""
    require_role(request, *roles.READ)
    return [dataclasses.asdict(e) for e in queries.endpoints()]


@router.get("/webhook-endpoints/{endpoint_id}", response=EndpointOut, summary="One webhook endpoint")
def get_endpoint(request, endpoint_id: str):
    """One webhook endpoint (never its secret)."""
    require_role(request, *roles.READ)
    return dataclasses.asdict(queries.endpoint(endpoint_id))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response=list[WebhookDeliveryOut],
            summary="An endpoint's delivery log, newest first")
def list_deliveries(request, endpoint_id: str):
    """The endpoint's delivery log, newest first: each event, its attempts, the last answer and when
    the next retry is due."""
    require_role(request, *roles.READ)
    queries.endpoint(endpoint_id)
    return [dataclasses.asdict(d) for d in queries.deliveries(endpoint_id)]


@router.patch("/webhook-endpoints/{endpoint_id}", response=EndpointOut, summary="Edit a webhook endpoint")
def update_endpoint(request, endpoint_id: str, body: EndpointPatch):
    """Change an endpoint's URL, event types, description or scopes (only the fields given), validated
    as on creation. Deliveries already queued keep their body. Admins and integration keys only."""
    principal = require_role(request, *roles.MANAGE)
    services.do_update_endpoint(actor=principal, endpoint_id=endpoint_id, **body.dict(exclude_unset=True))
    return dataclasses.asdict(queries.endpoint(endpoint_id))


@router.delete("/webhook-endpoints/{endpoint_id}", response={204: None}, summary="Delete a webhook endpoint")
def delete_endpoint(request, endpoint_id: str):
    """Remove an endpoint: its pending deliveries are cancelled and its delivery log removed with it
    (the audit log keeps what it was). Admins and integration keys only."""
    principal = require_role(request, *roles.MANAGE)
    services.do_delete_endpoint(actor=principal, endpoint_id=endpoint_id)
    return Status(204, None)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response=RotatedOut,
             summary="Rotate an endpoint's signing secret")
def rotate_secret(request, endpoint_id: str):
    """Issue a new signing secret, shown once. Until `previous_valid_until` (WEBHOOK_SECRET_GRACE_HOURS)
    each delivery's `webhook-signature` carries signatures under both secrets, so the receiver can
    switch without downtime; then only the new one. Admins and integration keys only."""
    principal = require_role(request, *roles.MANAGE)
    secret, until = services.do_rotate_secret(actor=principal, endpoint_id=endpoint_id)
    return {"id": endpoint_id, "secret": secret, "previous_valid_until": until}


def _deliver_after_commit(endpoint_pk: int) -> None:
    transaction.on_commit(lambda: tasks.deliver_endpoint(endpoint_pk))


@router.post("/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver", response={202: EndpointOut},
             summary="Send a delivery again (same webhook-id and body)")
def redeliver(request, endpoint_id: str, delivery_id: str):
    """Send a delivery again now, with the same `webhook-id` (the receiver's de-duplication holds)."""
    principal = require_role(request, *roles.MANAGE)
    _deliver_after_commit(services.do_redeliver(actor=principal, endpoint_id=endpoint_id, delivery_id=delivery_id))
    return Status(202, dataclasses.asdict(queries.endpoint(endpoint_id)))


@router.post("/webhook-endpoints/{endpoint_id}/enable", response=EndpointOut, summary="Enable an endpoint")
def enable(request, endpoint_id: str):
    """Turn an endpoint back on (also after the automatic disable); events from now on reach it."""
    principal = require_role(request, *roles.MANAGE)
    _deliver_after_commit(services.do_set_active(actor=principal, endpoint_id=endpoint_id, active=True))
    return dataclasses.asdict(queries.endpoint(endpoint_id))


@router.post("/webhook-endpoints/{endpoint_id}/disable", response=EndpointOut, summary="Disable an endpoint")
def disable(request, endpoint_id: str):
    """Stop delivering to an endpoint; events while it is off are not queued for it."""
    principal = require_role(request, *roles.MANAGE)
    services.do_set_active(actor=principal, endpoint_id=endpoint_id, active=False)
    return dataclasses.asdict(queries.endpoint(endpoint_id))


class FeedOut(Out):
    channel: str
    xml: str = Field(description="Google Merchant Center RSS 2.0 feed, at a signed URL")
    csv: str = Field(description="the same rows as CSV, at a signed URL")


@router.get("/feeds", response=list[FeedOut], summary="Product feeds per channel, at signed URLs")
def list_feeds(request):
    """Each channel's product feeds (Google Merchant Center XML and CSV) at their signed URLs."""
    require_role(request, *roles.READ)
    return [{"channel": code, **{fmt: feeds.feed_path(code, fmt) for fmt in feeds.FORMATS}}
            for code in catalog.channel_codes()]

"""Reads of webhook endpoints and their delivery log, for the API and the console."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from omnicanal.core import clock
from omnicanal.core.errors import NotFound
from omnicanal.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class EndpointInfo:
    id: str
    url: str
    description: str
    events: tuple[str, ...]
    scopes: tuple[str, ...]
    active: bool
    disabled_reason: str
    consecutive_failures: int
    created_at: dt.datetime
    previous_secret_until: dt.datetime | None  # a rotated-out secret still signs until then


@dataclass(frozen=True)
class AttemptInfo:
    at: dt.datetime
    status_code: int | None
    error: str
    duration_ms: int


@dataclass(frozen=True)
class DeliveryInfo:
    id: str  # the webhook-id
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    log: tuple[AttemptInfo, ...]


def _info(row: WebhookEndpoint) -> EndpointInfo:
    return EndpointInfo(id=row.public_id, url=row.url, events=tuple(row.events), scopes=tuple(row.scopes),
                        active=row.active, disabled_reason=row.disabled_reason,
                        consecutive_failures=row.consecutive_failures, created_at=row.created_at,
                        description=row.description, previous_secret_until=_grace(row))


def _grace(row: WebhookEndpoint) -> dt.datetime | None:
    until = row.previous_secret_until
    return until if row.previous_secret and until and until > clock.now() else None


def endpoints() -> list[EndpointInfo]:
    return [_info(row) for row in WebhookEndpoint.objects.order_by("-pk")]


def endpoint(endpoint_id: str) -> EndpointInfo:
    row = WebhookEndpoint.objects.filter(public_id=endpoint_id).first()
    if row is None:
        raise NotFound("webhook endpoint")
    return _info(row)


def deliveries(endpoint_id: str, *, limit: int = 50) -> list[DeliveryInfo]:
    rows = list(WebhookDelivery.objects.filter(endpoint__public_id=endpoint_id).order_by("-pk")[:limit])
    logs: dict[int, list[AttemptInfo]] = {}
    for attempt in WebhookAttempt.objects.filter(delivery__in=rows).order_by("pk"):
        logs.setdefault(attempt.delivery_id, []).append(AttemptInfo(
            at=attempt.at, status_code=attempt.status_code, error=attempt.error, duration_ms=attempt.duration_ms))
    return [DeliveryInfo(
        id=row.public_id, event=row.event_name, status=row.status, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_status_code=row.last_status_code, last_error=row.last_error, created_at=row.created_at,
        delivered_at=row.delivered_at, log=tuple(logs.get(row.pk, ())),
    ) for row in rows]

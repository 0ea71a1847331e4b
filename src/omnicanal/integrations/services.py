"""Outbound webhooks: the only writers of endpoints, deliveries and their log.

An outbox event that some endpoint subscribes to becomes one delivery per endpoint (in the worker,
after the commit that wrote the event: integrations.handlers). Its body is built once, so every
attempt sends (and signs) the same bytes under the same `webhook-id`. The worker sends the
deliveries of an endpoint in event order, one aggregate's after the other: a delivery waits while an
earlier one of its aggregate is still pending. Failures are retried on a schedule
(RETRY_DELAYS); after the last the delivery is failed (redeliverable by hand); an endpoint that fails
WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row is disabled.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, crypto
from omnicanal.core.auth import Principal
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.core.outbox import Envelope
from omnicanal.customers import queries as customers
from omnicanal.integrations import catalogue, signing
from omnicanal.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

SCOPES = ("pii",)
# After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (Standard Webhooks' example
# schedule); then the delivery is failed.
RETRY_DELAYS = (dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
                dt.timedelta(hours=5), dt.timedelta(hours=10), dt.timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
USER_AGENT = "omnicanal-webhooks/1"


# --- endpoints -------------------------------------------------------------------------------

def _not_public(host: str) -> bool:
    """The host resolves to an address that is not on the public internet (SSRF guard)."""
    if settings.OMNICANAL["WEBHOOK_ALLOW_PRIVATE_URLS"]:
        return False
    try:
        resolved = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return False  # unresolvable: sending fails by itself
    return any(not ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in resolved)


def check_endpoint(*, url: str, events: list[str], scopes: list[str], description: str = "") -> None:
    if len(description) > 200:
        raise ValidationFailed.on("description", _("Keep the description under 200 characters."))
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationFailed.on("url", _("Give an http or https address."))
    if _not_public(parts.hostname):
        raise ValidationFailed.on("url", _("Give a public address: this one is private or local."))
    for n, name in enumerate(events):
        if name not in catalogue.EVENTS:
            raise ValidationFailed.on(f"events.{n}", _("Unknown event: %(name)s.") % {"name": name})
    if not events:
        raise ValidationFailed.on("events", _("Subscribe to at least one event."))
    for n, scope in enumerate(scopes):
        if scope not in SCOPES:
            raise ValidationFailed.on(f"scopes.{n}", _("Unknown scope: %(scope)s.") % {"scope": scope})


def do_create_endpoint(*, actor: Principal, url: str, events: list[str], scopes: list[str],
                       description: str = "") -> tuple[str, str]:
    """A new endpoint; answers (its id, its secret). The secret is shown only here."""
    check_endpoint(url=url, events=events, scopes=scopes, description=description)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        url=url, events=sorted(set(events)), scopes=sorted(set(scopes)), secret=crypto.encrypt(secret),
        description=description,
        created_at=clock.now(), created_by=f"{actor.kind}:{actor.id}",
    )
    audit.record(actor=actor, action="webhook.create", target_type="webhook_endpoint", target_id=endpoint.public_id,
                 after={"url": url, "events": endpoint.events, "scopes": endpoint.scopes})
    return endpoint.public_id, secret


def _endpoint(public_id: str) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(public_id=public_id).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def do_set_active(*, actor: Principal, endpoint_id: str, active: bool) -> int:
    """Enable or disable an endpoint; answers its row id (the worker's handle)."""
    endpoint = _endpoint(endpoint_id)
    before = endpoint.active
    endpoint.active = active
    endpoint.disabled_reason = "" if active else _("Disabled by %(who)s.") % {"who": actor.name}
    endpoint.consecutive_failures = 0 if active else endpoint.consecutive_failures
    endpoint.save(update_fields=["active", "disabled_reason", "consecutive_failures"])
    audit.record(actor=actor, action="webhook.enable" if active else "webhook.disable",
                 target_type="webhook_endpoint", target_id=endpoint.public_id, before={"active": before},
                 after={"active": active})
    return endpoint.pk


def _settings(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "events": endpoint.events, "scopes": endpoint.scopes,
            "description": endpoint.description}


def do_update_endpoint(*, actor: Principal, endpoint_id: str, url: str | None = None, events: list[str] | None = None,
                       scopes: list[str] | None = None, description: str | None = None) -> int:
    """Change what an endpoint receives (fields left None keep their value), validated like creation;
    deliveries already queued keep the body they were built with. Answers its row id."""
    endpoint = _endpoint(endpoint_id)
    before = _settings(endpoint)
    url = endpoint.url if url is None else url
    events = list(endpoint.events) if events is None else events
    scopes = list(endpoint.scopes) if scopes is None else scopes
    description = endpoint.description if description is None else description
    check_endpoint(url=url, events=events, scopes=scopes, description=description)
    endpoint.url, endpoint.events, endpoint.scopes = url, sorted(set(events)), sorted(set(scopes))
    endpoint.description = description
    endpoint.save(update_fields=["url", "events", "scopes", "description"])
    audit.record(actor=actor, action="webhook.update", target_type="webhook_endpoint", target_id=endpoint.public_id,
                 before=before, after=_settings(endpoint))
    return endpoint.pk


def do_delete_endpoint(*, actor: Principal, endpoint_id: str) -> int:
    """Remove an endpoint with its deliveries and their log (nothing is sent to it again; a log
    without its endpoint could not be read or redelivered). The audit entry keeps what it was and
    how many deliveries were still pending. Answers how many deliveries went with it."""
    endpoint = _endpoint(endpoint_id)
    pending = endpoint.deliveries.filter(status=DeliveryStatus.PENDING).count()
    total = endpoint.deliveries.count()
    before = _settings(endpoint)
    endpoint.delete()
    audit.record(actor=actor, action="webhook.delete", target_type="webhook_endpoint", target_id=endpoint_id,
                 before=before, after={"deliveries_removed": total, "pending_cancelled": pending})
    return total


def do_rotate_secret(*, actor: Principal, endpoint_id: str) -> tuple[str, dt.datetime]:
    """A new signing secret, answered once with the end of the grace period during which deliveries
    are signed with both the new and the previous secret (Standard Webhooks' zero-downtime rotation).
    Rotating again inside a grace period drops the older secret: only the last two sign."""
    endpoint = _endpoint(endpoint_id)
    secret = signing.new_secret()
    until = clock.now() + dt.timedelta(hours=float(settings.OMNICANAL["WEBHOOK_SECRET_GRACE_HOURS"]))
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, until
    endpoint.secret = crypto.encrypt(secret)
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    audit.record(actor=actor, action="webhook.rotate_secret", target_type="webhook_endpoint",
                 target_id=endpoint.public_id, after={"previous_valid_until": until.isoformat()})
    return secret, until


def signing_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> tuple[str, ...]:
    """The secrets a delivery is signed with now: the current one, and the previous one in its grace."""
    current = crypto.decrypt(endpoint.secret)
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        return (current, crypto.decrypt(endpoint.previous_secret))
    return (current,)


def do_redeliver(*, actor: Principal, endpoint_id: str, delivery_id: str) -> int:
    """Send a delivery again (same webhook-id, same body) with a fresh retry schedule; answers the
    endpoint's row id."""
    endpoint = _endpoint(endpoint_id)
    updated = WebhookDelivery.objects.filter(endpoint=endpoint, public_id=delivery_id).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=clock.now(), lease_until=None)
    if not updated:
        raise NotFound(_("No such delivery."))
    audit.record(actor=actor, action="webhook.redeliver", target_type="webhook_delivery", target_id=delivery_id)
    return endpoint.pk


# --- fan-out (after commit, in the worker) ---------------------------------------------------

def _customer_of(customer_id: str) -> dict:
    try:
        summary = customers.customer_summary(customer_id)
    except NotFound:
        return {"id": customer_id}
    return {"id": summary.id, "name": summary.name, "email": summary.email, "phone": summary.phone}


def _body(spec: catalogue.EventSpec, envelope: Envelope, *, pii: bool) -> str:
    data = catalogue.data_for(spec, envelope.payload, pii=pii)
    customer_id = envelope.payload.get("customer_id")
    if pii and customer_id and spec.name != "customer.erased":
        data["customer"] = _customer_of(customer_id)
    envelope_json = {"type": spec.name, "timestamp": envelope.occurred_at, "version": catalogue.PAYLOAD_VERSION,
                     "data": data}
    return json.dumps(envelope_json, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def do_fan_out(envelope: Envelope) -> list[int]:
    """One delivery per subscribed active endpoint (once per event: the unique constraint and the
    outbox's handler bookkeeping); answers the endpoints' row ids."""
    return do_fan_out_many([envelope])


def do_fan_out_many(envelopes: list[Envelope]) -> list[int]:
    """do_fan_out for several events at once (the worker's hand-over of placed orders): the endpoints
    read once, every delivery in one INSERT; answers the endpoints' row ids."""
    subscribed = [(envelope, specs) for envelope in envelopes if (specs := catalogue.BY_TOPIC.get(envelope.topic))]
    if not subscribed:
        return []
    now = clock.now()
    rows = []
    for endpoint in WebhookEndpoint.objects.filter(active=True).order_by("pk"):
        for envelope, specs in subscribed:
            for spec in specs:
                if spec.name not in endpoint.events:
                    continue
                rows.append(WebhookDelivery(
                    endpoint=endpoint, event_id=envelope.id, event_name=spec.name,
                    aggregate=catalogue.aggregate_of(spec, envelope.payload),
                    customer_id=str(envelope.payload.get("customer_id") or "")[:40],
                    body=_body(spec, envelope, pii="pii" in endpoint.scopes), next_attempt_at=now, created_at=now,
                ))
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return sorted({row.endpoint_id for row in rows})


def do_scrub_customer(customer_id: str) -> int:
    """Erasure: the stored bodies about this customer keep no personal data."""
    scrubbed = 0
    for delivery in WebhookDelivery.objects.filter(customer_id=customer_id):
        body = json.loads(delivery.body)
        spec = catalogue.EVENTS.get(delivery.event_name)
        data = body.get("data", {})
        for name in ("customer", *(spec.pii_fields if spec else ())):
            data.pop(name, None)
        delivery.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        delivery.save(update_fields=["body"])
        scrubbed += 1
    return scrubbed


# --- sending ---------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer that is not 2xx: a failure, never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=float(settings.OMNICANAL["WEBHOOK_TIMEOUT_SECONDS"])) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def _claim(delivery: WebhookDelivery, now: dt.datetime) -> bool:
    lease = now + dt.timedelta(seconds=float(settings.OMNICANAL["WEBHOOK_TIMEOUT_SECONDS"]) + 30)
    return bool(WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)).update(lease_until=lease))


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, secrets: tuple[str, ...]) -> bool:
    body = delivery.body.encode()
    started = time.monotonic()
    if _not_public(urlsplit(endpoint.url).hostname or ""):  # checked again: DNS may have changed
        code, error = None, "refused: not a public address"
    else:
        code, error = _post(endpoint.url, body, signing.headers(
            secrets[0], delivery.public_id, int(time.time()), body, also=secrets[1:]))
    ok = code is not None and 200 <= code < 300
    _record(endpoint, delivery, ok=ok, code=code, error=error, duration_ms=int((time.monotonic() - started) * 1000))
    return ok


def _record(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, ok: bool, code: int | None, error: str,
            duration_ms: int) -> None:
    now = clock.now()
    with transaction.atomic():
        # The endpoint may have been deleted while this attempt was on the wire: nothing to record.
        if not WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            return
        WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=code, error=error, duration_ms=duration_ms)
        attempts = delivery.attempts + 1
        fields = {"attempts": attempts, "last_status_code": code, "last_error": error, "lease_until": None}
        if ok:
            fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        elif attempts >= MAX_ATTEMPTS:
            fields.update(status=DeliveryStatus.FAILED)
        else:
            fields.update(next_attempt_at=now + RETRY_DELAYS[attempts - 1])
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if ok:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
            return
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        limit = int(settings.OMNICANAL["WEBHOOK_DISABLE_AFTER_FAILURES"])
        WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True, consecutive_failures__gte=limit).update(
            active=False, disabled_reason=_("Disabled after %(n)s failed attempts in a row.") % {"n": limit})


def do_deliver(endpoint_pk: int, *, limit: int = 500) -> int:
    """Send an endpoint's due deliveries, in order per aggregate; answers how many arrived."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_pk, active=True).first()
    if endpoint is None:
        return 0
    now = clock.now()
    secrets = signing_secrets(endpoint, now)
    blocked: set[str] = set()
    delivered = 0
    for delivery in WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).order_by("pk")[:limit]:
        if delivery.aggregate in blocked:
            continue
        if delivery.next_attempt_at > now or not _claim(delivery, now):
            blocked.add(delivery.aggregate)  # an earlier one of this aggregate waits: so do the later ones
            continue
        if _attempt(endpoint, delivery, secrets):
            delivered += 1
        else:
            blocked.add(delivery.aggregate)
            if not WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).exists():
                break  # disabled by this failure
    return delivered


def endpoints_due() -> list[int]:
    """Active endpoints with a delivery whose time has come (the periodic sweep)."""
    return sorted(set(WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now(), endpoint__active=True,
    ).values_list("endpoint_id", flat=True)))

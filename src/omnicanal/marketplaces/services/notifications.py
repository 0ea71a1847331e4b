"""Notifications: received at the webhook, stored once, processed by the worker.

Mercado Libre posts {"resource": "/orders/123", "user_id": …, "topic": "orders_v2", "application_id":
…, "attempts": 1, "sent": …, "received": …} and wants a 200 at once (else it retries, and after many
failures stops sending). The webhook only stores the notification (one row per key: the `_id` when
sent, else topic|resource|sent, so a replay is the same row) and answers; the worker fetches the
resource and acts (orders_v2: the order, its shipment's status and, when it has any, its claims;
shipments: our fulfilment; claims: a dispute and its return). A fetch that meets 429/5xx waits with backoff (calls.backoff) and the sweep
tries again."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.marketplaces import client
from omnicanal.marketplaces.models import (
    MarketplaceAccount,
    MarketplaceListing,
    MarketplaceOrder,
    Notification,
    WorkStatus,
)
from omnicanal.marketplaces.services import calls, claims, orders, questions, shipments, tokens

TOPICS = ("orders_v2", "items", "questions", "shipments", "claims")
LEASE = dt.timedelta(minutes=2)


def check_notification(body: object) -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed.on("body", _("Send a JSON object."))
    for name in ("resource", "user_id", "topic"):
        if body.get(name) in (None, ""):
            raise ValidationFailed.on(name, _("This field is required."))
    if not str(body["resource"]).startswith("/"):
        raise ValidationFailed.on("resource", _("Give the resource's path."))
    return body


def account_for(user_id) -> MarketplaceAccount | None:
    return MarketplaceAccount.objects.filter(marketplace="mercadolibre", seller_id=str(user_id), active=True).first()


def do_receive_notification(*, account: MarketplaceAccount, body: dict) -> tuple[Notification, bool]:
    """Store one notification; answers (the row, whether it is new). Unknown topics are kept as ignored."""
    key = str(body.get("_id") or f"{body['topic']}|{body['resource']}|{body.get('sent') or ''}")[:200]
    now = clock.now()
    topic = str(body["topic"])[:40]
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                account=account, key=key, topic=topic, resource=str(body["resource"])[:200], body=body,
                status=WorkStatus.PENDING if topic in TOPICS else WorkStatus.IGNORED, next_attempt_at=now,
                received_at=now)
    except IntegrityError:
        return Notification.objects.get(account=account, key=key), False
    return row, True


def _claim(pk: int, now: dt.datetime) -> Notification | None:
    claimed = Notification.objects.filter(pk=pk, status=WorkStatus.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE)
    return Notification.objects.select_related("account").get(pk=pk) if claimed else None


def _order_claims(account: MarketplaceAccount, data: dict) -> None:
    """An order that says it has claims (`mediations`): each claim fetched and brought in."""
    if not data.get("mediations"):
        return
    for claim_id in claims.search_order_claims(account.pk, str(data["id"])):
        _bring_claim(account, claim_id)


def _bring_claim(account: MarketplaceAccount, claim_id: str) -> None:
    claim, returned = claims.fetch(account.pk, claim_id)
    # The order's shipment first: a return needs the goods delivered in our book.
    link = MarketplaceOrder.objects.filter(account=account, external_id=str(claim.get("resource_id") or "-")).first()
    if link is not None and link.shipment_id and claim.get("resource") == "order":
        shipment = tokens.call(account.pk, "GET", f"/shipments/{link.shipment_id}")
        with transaction.atomic():
            shipments.do_apply_shipment(account=account, shipment=shipment)
    with transaction.atomic():
        claims.do_import_claim(account_pk=account.pk, claim=claim, returned=returned)


def _act(notification: Notification) -> None:
    account = notification.account
    if notification.topic == "claims":
        claim_id = claims.claim_id_of(notification.resource)
        if claim_id:
            _bring_claim(account, claim_id)
        return
    data = tokens.call(account.pk, "GET", notification.resource)
    if notification.topic == "orders_v2":
        shipping_id = (data.get("shipping") or {}).get("id")
        shipment = tokens.call(account.pk, "GET", f"/shipments/{shipping_id}") if shipping_id else None
        with transaction.atomic():
            row = orders.do_import_order(account_pk=account.pk, data=data, shipment=shipment)
            if shipment and row.order_id:
                shipments.do_apply_shipment(account=account, shipment=shipment)
        _order_claims(account, data)
    elif notification.topic == "questions":
        with transaction.atomic():
            questions.do_import_question(account=account, data=data)
    elif notification.topic == "items":
        MarketplaceListing.objects.filter(account=account, item_id=str(data.get("id") or "")).update(
            remote_status=str(data.get("status") or "")[:30], updated_at=clock.now())
    elif notification.topic == "shipments":
        with transaction.atomic():
            shipments.do_apply_shipment(account=account, shipment=data)


def do_process(pk: int) -> bool:
    """Fetch and act on one notification; True when done. Failures wait and are tried again."""
    now = clock.now()
    notification = _claim(pk, now)
    if notification is None:
        return False
    try:
        _act(notification)
    except client.ApiError as exc:
        attempts = notification.attempts + 1
        again = exc.retryable or exc.invalid_token  # else the marketplace refused the fetch itself (404…)
        Notification.objects.filter(pk=pk).update(
            attempts=attempts, last_error=str(exc)[:500], next_attempt_at=clock.now() + calls.backoff(attempts),
            status=WorkStatus.PENDING if again else WorkStatus.FAILED)
        return False
    Notification.objects.filter(pk=pk).update(status=WorkStatus.DONE, attempts=notification.attempts + 1,
                                              processed_at=clock.now(), last_error="")
    return True


def due() -> list[int]:
    return list(Notification.objects.filter(status=WorkStatus.PENDING, next_attempt_at__lte=clock.now())
                .order_by("pk").values_list("pk", flat=True)[:500])

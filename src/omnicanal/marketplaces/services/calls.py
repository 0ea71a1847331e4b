"""The queue of writes to the marketplace (stock figures, prices, answers): written in the
transaction that decided them, sent after commit by the worker, and kept until they land. A 429 or
5xx that outlives the in-place retries (tokens.call) waits with growing delays (BACKOFF) and the
periodic sweep sends it again; nothing is dropped. Other 4xx are final (the marketplace refused
the content): the call is failed and the account shows the error."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from omnicanal.core import clock
from omnicanal.marketplaces import client
from omnicanal.marketplaces.models import ApiCall, WorkStatus
from omnicanal.marketplaces.services import tokens

LEASE = dt.timedelta(minutes=2)  # a sender holds a call this long (then another may take it)

# What a landed (or finally refused) call means beyond the queue, by the key's prefix ("create:",
# "status:"…): registered by the services that queue such calls (listings' publication), so this
# module needs none of them. fn(call, answer) on success; fn(call, None, error) on a final refusal.
_OUTCOMES: dict[str, object] = {}


def on_outcome(prefix: str, fn) -> None:
    _OUTCOMES[prefix] = fn


def _outcome(call: ApiCall, answer, error: str = "") -> None:
    fn = _OUTCOMES.get(call.key.split(":", 1)[0])
    if fn is not None:
        fn(call, answer, error)  # type: ignore[operator]


def backoff(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s … up to an hour: the marketplace's rate limit or outage passes."""
    return dt.timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def do_enqueue(*, account_pk: int, key: str, method: str, path: str, body: dict) -> ApiCall:
    """Queue a write. A call of the same key still waiting gets the newer body (the latest stock
    figure wins; the marketplace needs no history of them)."""
    now = clock.now()
    waiting = ApiCall.objects.filter(account_id=account_pk, key=key, status=WorkStatus.PENDING).first()
    if waiting is not None:
        ApiCall.objects.filter(pk=waiting.pk).update(body=body, method=method, path=path)
        waiting.body = body
        return waiting
    try:
        with transaction.atomic():
            return ApiCall.objects.create(account_id=account_pk, key=key, method=method, path=path, body=body,
                                          next_attempt_at=now, created_at=now)
    except IntegrityError:  # a concurrent enqueue of the same key: update that one
        ApiCall.objects.filter(account_id=account_pk, key=key, status=WorkStatus.PENDING).update(body=body)
        return ApiCall.objects.get(account_id=account_pk, key=key, status=WorkStatus.PENDING)


def _claim(call: ApiCall, now: dt.datetime) -> bool:
    return bool(ApiCall.objects.filter(pk=call.pk, status=WorkStatus.PENDING, next_attempt_at__lte=now)
                .update(next_attempt_at=now + LEASE))


def send(call: ApiCall) -> bool:
    """Send one claimed call; record the outcome. True when it landed."""
    try:
        answer = tokens.call(call.account_id, call.method, call.path, call.body)
    except client.ApiError as exc:
        attempts = call.attempts + 1
        fields: dict[str, object] = {"attempts": attempts, "last_status_code": exc.status, "last_error": str(exc)[:500]}
        if exc.retryable or exc.invalid_token:
            fields["next_attempt_at"] = clock.now() + backoff(attempts)
        else:
            fields.update(status=WorkStatus.FAILED, done_at=clock.now())
        ApiCall.objects.filter(pk=call.pk).update(**fields)
        if not (exc.retryable or exc.invalid_token):
            _outcome(call, None, str(exc)[:500])
        return False
    ApiCall.objects.filter(pk=call.pk).update(status=WorkStatus.DONE, attempts=call.attempts + 1, done_at=clock.now(),
                                              last_status_code=200, last_error="")
    _outcome(call, answer)
    return True


def do_send_due(*, account_pk: int | None = None, limit: int = 500) -> int:
    """Send the calls whose time has come, oldest first; answers how many landed."""
    now = clock.now()
    due = ApiCall.objects.filter(status=WorkStatus.PENDING, next_attempt_at__lte=now).order_by("pk")
    if account_pk is not None:
        due = due.filter(account_id=account_pk)
    landed = 0
    for call in list(due[:limit]):
        if _claim(call, now) and send(call):
            landed += 1
    return landed

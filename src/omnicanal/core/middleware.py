"""Every API write is one transaction, and a POST may carry an Idempotency-Key.

- A write request (POST, PUT, PATCH, DELETE under /api/) runs in one transaction that commits only
  when the answer is a success: a 4xx or 5xx answer rolls everything back, so bad input never
  leaves half-written data, whatever the handler did before it failed.
- With `Idempotency-Key`, the first answer is stored in the same transaction as the effects and
  replayed for 24 hours to retries with the same body; another body gets 422 idempotency-conflict;
  a retry that arrives while the first is still running gets 409 request-in-progress (retryable).
  Error answers (4xx but 401/403/429) are stored too, in a transaction of their own.
- A service may defer the write that locks a hot row to the transaction's last statement (core.laststep):
  it runs after the answer and its idempotency record are ready; its refusal (a Problem) becomes the
  answer and rolls everything back; so does the refusal of a write riding with the COMMIT
  (core.laststep.ride), raised at the transaction's exit.
- A claim whose request died with its process is taken over by the next retry at once
  (core.claims: an advisory lock on PostgreSQL, the owner's pid on SQLite).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse

from omnicanal.core import claims, clock, laststep
from omnicanal.core.errors import IdempotencyConflict, Problem, RequestInProgress, ValidationFailed
from omnicanal.core.libpq import HotStatement
from omnicanal.core.models import IdempotencyRecord

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_NOT_STORED = {401, 403, 429}


def problem_response(problem: Problem, request: HttpRequest | None = None) -> HttpResponse:
    body = problem.as_dict(instance=request.path if request is not None else None)
    response = HttpResponse(json.dumps(body), status=problem.status, content_type="application/problem+json")
    if isinstance(problem, RequestInProgress):
        response["Retry-After"] = "1"
    elif (retry_after := getattr(problem, "retry_after", None)) is not None:
        response["Retry-After"] = str(int(retry_after))
    return response


class ApiTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._atomic(request, record=None)
        try:
            record, replay = self._claim(request, key)
        except Problem as problem:
            return problem_response(problem, request)
        if replay is not None:
            return replay
        assert record is not None  # _claim returns a record or a replay
        # the refusal's own statement may release the claim (_settle_refusal), or the statement
        # sent right after the COMMIT (claims.release_with_commit)
        released = [False]
        try:
            return self._atomic(request, record=record, released=released)
        except BaseException:  # Django answers exceptions itself; this is for the unforeseen
            with contextlib.suppress(Exception):
                IdempotencyRecord.objects.filter(pk=record.pk, completed=False).delete()
            raise
        finally:
            if not released[0]:
                claims.release(record.pk)

    def _atomic(self, request: HttpRequest, record: IdempotencyRecord | Claimed | None,
                released: list[bool] | None = None) -> HttpResponse:
        ridden = laststep.RefusedAtCommit()  # a write riding with the COMMIT may refuse at atomic()'s exit
        with ridden, transaction.atomic(), laststep.scope():
            response = self.get_response(request)
            succeeded = response.status_code < 400
            if succeeded and record is not None and _holds_secret(response):
                IdempotencyRecord.objects.filter(pk=record.pk).delete()
            elif succeeded and record is not None:
                _complete(record, response)
            if succeeded and record is not None and released is not None:
                claims.release_with_commit(record.pk, released)
            if succeeded:
                # The hot rows' writes, last: their locks are held for them and the COMMIT only
                # (core.laststep). A refusal is the answer, and everything above rolls back.
                try:
                    laststep.run()
                except Problem as problem:
                    response, succeeded = problem_response(problem, request), False
            if not succeeded:
                transaction.set_rollback(True)
            ridden.committing = succeeded
        if ridden.problem is not None:  # nothing above was kept
            response, succeeded = problem_response(ridden.problem, request), False
        if record is not None and not succeeded:
            stored = not (response.status_code >= 500 or response.status_code in _NOT_STORED)
            if connection.vendor == "postgresql":
                _settle_refusal(record, response, stored=stored)
                if released is not None:
                    released[0] = True
            else:
                with transaction.atomic():
                    if stored:
                        _complete(record, response)
                    else:
                        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response

    def _claim(self, request: HttpRequest, key: str) -> tuple[IdempotencyRecord | Claimed | None, HttpResponse | None]:
        if not key or len(key) > 255:
            raise ValidationFailed.on("Idempotency-Key", "must be 1 to 255 characters")
        scope = _scope(request)
        request_hash = _request_hash(request)
        now = clock.now()
        fresh = _claim_fresh(scope, key, request_hash, now)
        if fresh is not None:
            return fresh, None
        with transaction.atomic():
            existing = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
            if existing is not None and existing.expires_at <= now:
                existing.delete()
                existing = None
            if (existing is not None and not existing.completed and existing.request_hash == request_hash
                    and claims.take_over(existing)):
                existing.owner, existing.created_at = claims.owner_token(), now
                existing.save(update_fields=["owner", "created_at"])
                return existing, None
            if existing is None:
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            scope=scope,
                            key=key,
                            request_hash=request_hash,
                            owner=claims.owner_token(),
                            created_at=now,
                            expires_at=now + timedelta(hours=int(settings.OMNICANAL["IDEMPOTENCY_TTL_HOURS"])),
                        )
                    claims.hold(record.pk)
                    return record, None
                except IntegrityError:
                    existing = IdempotencyRecord.objects.get(scope=scope, key=key)
        if existing.request_hash != request_hash:
            raise IdempotencyConflict(detail="This Idempotency-Key was already used with a different request.")
        if not existing.completed:
            raise RequestInProgress(detail="A request with this Idempotency-Key is still being processed.")
        return None, _replay(existing)


_CLAIM = HotStatement(  # through libpq (core.libpq): every keyed write request starts with it (issue 23)
    "omnicanal_idem_claim",
    f'WITH claimed AS (INSERT INTO "{IdempotencyRecord._meta.db_table}" (scope, key, request_hash, completed, '
    "response_status, response_content_type, response_location, response_body, owner, created_at, expires_at) "
    "VALUES (%(scope)s, %(key)s, %(hash)s, FALSE, NULL, '', '', '', %(owner)s, %(created)s::timestamptz, "
    "%(expires)s::timestamptz) ON CONFLICT (scope, key) DO NOTHING RETURNING id) "
    f"SELECT id, {claims.LOCK_SQL} FROM claimed",
)


def _claim_fresh(scope: str, key: str, request_hash: str, now) -> Claimed | None:
    """The common case, a key never seen, in ONE statement on PostgreSQL (autocommit): the record
    inserted and its claim's advisory lock taken in the same transaction (core.claims), instead of a
    transaction of six round trips (BEGIN, SELECT … FOR UPDATE, SAVEPOINT, INSERT, RELEASE, COMMIT)
    and the lock's own. None when the key exists (or elsewhere than PostgreSQL, or inside a
    transaction): the caller's general path decides then (replay, conflict, in progress, take over)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    expires_at = now + timedelta(hours=int(settings.OMNICANAL["IDEMPOTENCY_TTL_HOURS"]))
    owner = claims.owner_token()
    rows = _CLAIM.run({"scope": scope, "key": key, "hash": request_hash, "owner": owner, "created": now,
                       "expires": expires_at})
    if not rows:
        return None
    return Claimed(int(rows[0][0] or 0))


class Claimed(NamedTuple):
    """A fresh claim's record as the request needs it: its key only (building the model instance was
    ~2 % of a refused buyer's CPU, issue 23). Everything after the claim reads `record.pk` alone."""

    pk: int


def _holds_secret(response: HttpResponse) -> bool:
    """An answer marked `Cache-Control: no-store` carries a secret (a new session token): it is never
    kept for replay, so the key only kept two copies of the request from running at once."""
    return "no-store" in response.get("Cache-Control", "")


def _scope(request: HttpRequest) -> str:
    """Keys are per credential, so two clients never see each other's answers."""
    auth = request.headers.get("Authorization", "")
    if not auth:
        user = getattr(request, "user", None)
        auth = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    return hashlib.sha256(auth.encode()).hexdigest()


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update((request.method or "").encode())
    digest.update(b"\0" + request.get_full_path().encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _complete(record: IdempotencyRecord | Claimed, response: HttpResponse) -> None:
    """Store the answer for replay: one UPDATE written once (every keyed write request runs it, and
    the ORM's `update()` spent more CPU composing it than the database takes to run it, issue 23);
    on PostgreSQL through libpq."""
    if connection.vendor == "postgresql":
        answer = _answer(record, response)
        # With the COMMIT when it can (core.laststep.ride: one round trip fewer per answered write),
        # ahead of the hot rows' writes riding there too; else now.
        if not laststep.ride(_COMPLETE, _COMPLETE.encode(answer), db=connection, lead=True):
            _COMPLETE.run(answer)
        return
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET completed = %s, response_status = %s, response_content_type = %s, "
            "response_location = %s, response_body = %s WHERE id = %s",
            [True, response.status_code, response.get("Content-Type", ""), response.get("Location", ""),
             response.content.decode("utf-8", errors="replace"), record.pk],
        )


_TABLE = IdempotencyRecord._meta.db_table
_COMPLETE_SQL = (f'UPDATE "{_TABLE}" SET completed = TRUE, response_status = %(status)s::int, '
                 "response_content_type = %(content_type)s, response_location = %(location)s, "
                 "response_body = %(body)s WHERE id = %(id)s::bigint")
# The hot statements of every keyed write request, through libpq (core.libpq: about half a psycopg
# cursor's client CPU per call, issue 23). The table's name is a plain identifier, quoted as Django does.
_COMPLETE = HotStatement("omnicanal_idem_complete", _COMPLETE_SQL)
_UNLOCK = f"SELECT pg_advisory_unlock({claims.LOCK_CLASS}, %(key)s::int)"
_STORE_AND_UNLOCK = HotStatement("omnicanal_idem_refused", f"WITH done AS ({_COMPLETE_SQL}) {_UNLOCK}")
_DROP_AND_UNLOCK = HotStatement("omnicanal_idem_dropped",
                                f'WITH gone AS (DELETE FROM "{_TABLE}" WHERE id = %(id)s::bigint) {_UNLOCK}')


def _answer(record: IdempotencyRecord | Claimed, response: HttpResponse) -> dict:
    return {"status": response.status_code, "content_type": response.get("Content-Type", ""),
            "location": response.get("Location", ""), "body": response.content.decode("utf-8", errors="replace"),
            "id": record.pk, "key": claims.lock_key(record.pk)}


def _settle_refusal(record: IdempotencyRecord | Claimed, response: HttpResponse, *, stored: bool) -> None:
    """PostgreSQL: a refused request's answer stored (or its claim dropped: 5xx, 401, 403, 429) and
    the claim's advisory lock released in ONE statement, instead of BEGIN, the write, COMMIT and the
    release (issue 23: a sold-out flash sale refuses three buyers in four). Releasing the lock before
    the statement commits is safe: the written row stays locked until then, and a retry reads the
    record FOR UPDATE before it may take the claim over, so it waits and then sees the answer."""
    if stored:
        _STORE_AND_UNLOCK.run(_answer(record, response))
    else:
        _DROP_AND_UNLOCK.run({"id": record.pk, "key": claims.lock_key(record.pk)})


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type=record.response_content_type or None
    )
    if record.response_location:
        response["Location"] = record.response_location
    response["Idempotent-Replayed"] = "true"
    return response

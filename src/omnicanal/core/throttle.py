"""Throttles: named limits on how often one subject may try something, with a lockout.

A limit (settings.THROTTLES[name] = {"max", "per", "lockout"}, in seconds) counts hits of one
(name, subject) pair in a window of `per` seconds; the hit that reaches `max` locks the pair for
`lockout` seconds, and the count starts afresh when the window or the lockout is over. Two ways
to use it:

- rate limits count every attempt: `attempt(name, subject)` raises `TooManyRequests` once the
  subject went past `max` (the `max`-th attempt still passes);
- secrets count failures only: `check((name, subject), ...)` first (raises while locked), then
  `failed((name, subject), ...)` after a wrong guess and `reset((name, subject))` after a right one
  where that makes sense (a card's own counter, never an address's).

Subjects are hashed into the key, so the counters hold no personal data. The backend is Redis
(one Lua script, atomic) when THROTTLE_BACKEND is "redis", else a table of the database (one
INSERT ... ON CONFLICT DO UPDATE ... RETURNING, atomic on SQLite and PostgreSQL). Time is
`core.clock.now()`, so tests move it with `clock.frozen`.

An API write answers a 4xx by rolling its transaction back, which would take a failure counted in
the database with it. So inside a request (`ThrottleMiddleware` opens a scope) a failure recorded
while a transaction is open is kept aside and written when the request is over, outside it.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import TooManyRequests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    max: int
    per_seconds: int
    lockout_seconds: int


def limit(name: str) -> Limit:
    conf = settings.THROTTLES[name]
    per = int(conf["per"])
    return Limit(name=name, max=int(conf["max"]), per_seconds=per, lockout_seconds=int(conf.get("lockout", per)))


@dataclass(frozen=True)
class State:
    hits: int
    locked_until: float  # epoch seconds; 0: not locked


def _now() -> float:
    return clock.now().timestamp()


def key_for(name: str, subject: object) -> str:
    digest = hashlib.sha256(str(subject).encode()).hexdigest()[:40]
    return f"{name}:{digest}"


# --- backends ------------------------------------------------------------------------------------


class DatabaseBackend:
    """core.ThrottleCounter rows, one atomic upsert per hit."""

    transactional = True

    def _table(self) -> str:
        from omnicanal.core.models import ThrottleCounter

        return connection.ops.quote_name(ThrottleCounter._meta.db_table)

    def hit(self, key: str, lim: Limit, now: float) -> State:
        t = self._table()
        fresh = f"({t}.window_ends <= %s OR ({t}.locked_until > 0 AND {t}.locked_until <= %s))"
        hits = f"CASE WHEN {fresh} THEN 1 ELSE {t}.hits + 1 END"
        sql = (
            f"INSERT INTO {t} (\"key\", hits, window_ends, locked_until) VALUES (%s, 1, %s, %s) "
            f"ON CONFLICT (\"key\") DO UPDATE SET "
            f"locked_until = CASE WHEN NOT {fresh} AND {t}.locked_until > %s THEN {t}.locked_until "
            f"WHEN {hits} >= %s THEN %s ELSE 0 END, "
            f"hits = {hits}, "
            f"window_ends = CASE WHEN {fresh} THEN %s ELSE {t}.window_ends END "
            f"RETURNING hits, locked_until"
        )
        lock_at = now + lim.lockout_seconds
        params: list[Any] = [
            key, now + lim.per_seconds, lock_at if lim.max <= 1 else 0.0,
            now, now, now, now, now, lim.max, lock_at,
            now, now,
            now, now, now + lim.per_seconds,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            hits_value, locked_until = cursor.fetchone()
        return State(hits=int(hits_value), locked_until=float(locked_until or 0))

    def locked_until(self, key: str) -> float:
        from omnicanal.core.models import ThrottleCounter

        row = ThrottleCounter.objects.filter(key=key).values_list("locked_until", flat=True).first()
        return float(row or 0)

    def reset(self, key: str) -> None:
        from omnicanal.core.models import ThrottleCounter

        ThrottleCounter.objects.filter(key=key).delete()


_LUA = """
local now = tonumber(ARGV[1]); local per = tonumber(ARGV[2])
local max = tonumber(ARGV[3]); local lock = tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'h', 'w', 'l')
local h = tonumber(v[1]); local w = tonumber(v[2]) or 0; local l = tonumber(v[3]) or 0
if h == nil or w <= now or (l > 0 and l <= now) then
  h = 1; w = now + per; l = 0
else
  h = h + 1
end
if l <= now then
  if h >= max then l = now + lock else l = 0 end
end
redis.call('HSET', KEYS[1], 'h', h, 'w', tostring(w), 'l', tostring(l))
redis.call('EXPIRE', KEYS[1], math.ceil(math.max(w, l) - now) + 1)
return {h, tostring(l)}
"""


class RedisBackend:
    """One hash per key (hits, window end, lock end), changed by one Lua script: atomic."""

    transactional = False

    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.script = self.client.register_script(_LUA)
        self.errors = redis.exceptions.RedisError

    # Redis unreachable: the throttles let requests through (logged) rather than answer 500s.

    def hit(self, key: str, lim: Limit, now: float) -> State:
        try:
            hits_value, locked_until = self.script(
                keys=[self.prefix + key], args=[repr(now), lim.per_seconds, lim.max, lim.lockout_seconds]
            )
        except self.errors as exc:
            log.warning("throttle: Redis unavailable, %s not counted: %s", key, exc)
            return State(hits=0, locked_until=0.0)
        return State(hits=int(hits_value), locked_until=float(locked_until))

    def locked_until(self, key: str) -> float:
        try:
            value = self.client.hget(self.prefix + key, "l")
        except self.errors as exc:
            log.warning("throttle: Redis unavailable, %s not checked: %s", key, exc)
            return 0.0
        return float(value or 0)

    def reset(self, key: str) -> None:
        try:
            self.client.delete(self.prefix + key)
        except self.errors as exc:
            log.warning("throttle: Redis unavailable, %s not reset: %s", key, exc)


@functools.cache
def backend() -> DatabaseBackend | RedisBackend:
    if settings.THROTTLE_BACKEND == "redis":
        return RedisBackend(settings.THROTTLE_REDIS_URL, settings.THROTTLE_KEY_PREFIX)
    return DatabaseBackend()


def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("THROTTLE"):
        backend.cache_clear()


setting_changed.connect(_settings_changed)


# --- the request scope -------------------------------------------------------------------------------


@dataclass
class _Scope:
    request: HttpRequest
    deferred: list[tuple[str, object]] = field(default_factory=list)


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("omnicanal_throttle_scope", default=None)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with THROTTLE_TRUSTED_PROXIES = n the address n hops back in X-Forwarded-For."""
    proxies = int(getattr(settings, "THROTTLE_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def current_address() -> str | None:
    """The client address of the request being answered (None outside a request)."""
    scope = _scope.get()
    return client_address(scope.request) if scope is not None else None


def current_credential() -> str | None:
    """'apikey:<prefix>' or 'user:<id>' of the request being answered, once it is authenticated."""
    scope = _scope.get()
    principal = getattr(scope.request, "principal", None) if scope is not None else None
    return f"{principal.kind}:{principal.id}" if principal is not None else None


class ThrottleMiddleware:
    """Opens the scope of a request and writes the failures kept aside once the request is over.
    Listed before ApiTransactionMiddleware, so it runs outside the API's transaction."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = _Scope(request=request)
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
            if scope.deferred:
                try:
                    _record(scope.deferred)
                except Exception:  # a throttle must never turn an answer into a 500
                    log.exception("throttle: could not record %d failure(s)", len(scope.deferred))
        return response


# --- the calls --------------------------------------------------------------------------------------


def _pairs(pairs) -> list[tuple[str, object]]:
    return [(name, subject) for name, subject in pairs if subject not in (None, "")]


def _refuse(name: str, locked_until: float, now: float) -> TooManyRequests:
    seconds = max(1, math.ceil(locked_until - now))
    return TooManyRequests(
        detail=_("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": seconds},
        retry_after=seconds,
        extra={"limit": name},
    )


def retry_after(name: str, subject: object) -> int | None:
    """Seconds until (name, subject) may try again; None when it is not locked."""
    now = _now()
    locked_until = backend().locked_until(key_for(name, subject))
    return max(1, math.ceil(locked_until - now)) if locked_until > now else None


def check(*pairs: tuple[str, object]) -> None:
    """Raise TooManyRequests if any (name, subject) is locked. Subjects None or "" are skipped."""
    now = _now()
    for name, subject in _pairs(pairs):
        locked_until = backend().locked_until(key_for(name, subject))
        if locked_until > now:
            raise _refuse(name, locked_until, now)


def hit(name: str, subject: object) -> State:
    """Count one hit now (atomic) and return the state after it."""
    return backend().hit(key_for(name, subject), limit(name), _now())


def attempt(name: str, subject: object) -> None:
    """Count an attempt; raise TooManyRequests past the limit (a rate limit)."""
    if subject in (None, ""):
        return
    now = _now()
    state = backend().hit(key_for(name, subject), limit(name), now)
    if state.hits > limit(name).max:
        raise _refuse(name, state.locked_until, now)


def _address(request: HttpRequest, *args, **kwargs) -> str:
    return client_address(request)


def rate_limited(name: str, subject=_address):
    """A view decorator: every request but a CORS preflight counts one attempt of `name` for
    `subject(request, *args, **kwargs)` (default: the client address); past the limit the view is
    not run and the answer is 429 problem+json with Retry-After."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method != "OPTIONS":
                try:
                    attempt(name, subject(request, *args, **kwargs))
                except TooManyRequests as exc:
                    from omnicanal.core.middleware import problem_response

                    return problem_response(exc, request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _record(pairs) -> None:
    now = _now()
    for name, subject in pairs:
        backend().hit(key_for(name, subject), limit(name), now)


def failed(*pairs: tuple[str, object]) -> None:
    """Count a failure of each (name, subject); the one that reaches the limit locks it."""
    counted = _pairs(pairs)
    scope = _scope.get()
    if scope is not None and backend().transactional and connection.in_atomic_block:
        scope.deferred.extend(counted)
        return
    _record(counted)


def reset(*pairs: tuple[str, object]) -> None:
    """Forget the counts of each (name, subject): a right answer, or a secret issued anew."""
    for name, subject in _pairs(pairs):
        backend().reset(key_for(name, subject))


def purge(now: float | None = None) -> int:
    """Delete database counters whose window and lockout are both over (the periodic task)."""
    from django.db.models import Q

    from omnicanal.core.models import ThrottleCounter

    now = _now() if now is None else now
    deleted, _rows = ThrottleCounter.objects.filter(Q(window_ends__lte=now) & Q(locked_until__lte=now)).delete()
    return deleted

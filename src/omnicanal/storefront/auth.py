"""Who is shopping: the Store API's bearer session tokens and the shop pages' cookie.

Both carry the same kind of token (`shp_…`, POST /sessions); a staff API key is no session token, so
the Store API answers it 401, and /api/v1's ApiKeyAuth answers a session token 401 (it is no key).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer

from omnicanal.core import throttle
from omnicanal.storefront import queries, services
from omnicanal.storefront.queries import Shopper

COOKIE = "shop_session"
COOKIE_AGE = int(queries.IDLE_LIMIT.total_seconds())


class ShopperAuth(HttpBearer):
    """`Authorization: Bearer shp_…`: sets request.shopper (a frozen Shopper)."""

    def authenticate(self, request: HttpRequest, token: str) -> Shopper | None:
        # Wrong tokens count per client address like wrong API keys; a locked address gets 429.
        address = ("api_key_address", throttle.client_address(request))
        throttle.check(address)
        row = queries.live_session(token)
        if row is None:
            throttle.failed(address)
            return None
        services.do_touch(session_id=row.public_id, last_seen_at=row.last_seen_at)
        shopper = queries.shopper_of(row)
        request.shopper = shopper  # type: ignore[attr-defined]
        return shopper


shopper_auth = ShopperAuth()


def shopper_from_cookie(request: HttpRequest) -> Shopper | None:
    """The shop pages' shopper (None: no cookie, or one that no longer opens a session); cached on
    the request."""
    if hasattr(request, "shopper"):
        return request.shopper
    row = queries.live_session(request.COOKIES.get(COOKIE, ""))
    shopper = queries.shopper_of(row) if row is not None else None
    if row is not None:
        services.do_touch(session_id=row.public_id, last_seen_at=row.last_seen_at)
    request.shopper = shopper  # type: ignore[attr-defined]
    return shopper


def set_cookie(response: HttpResponse, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), Secure where the
    site is served over HTTPS (production: the session cookie's own setting)."""
    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=bool(settings.SESSION_COOKIE_SECURE))


def mark_secret(response: HttpResponse) -> None:
    """An answer carrying a new session token is never cached nor kept for an Idempotency-Key replay
    (core.middleware): every anonymous caller shares one idempotency scope, and the token would be
    replayed to anyone sending the same key. Starting a session twice does no harm."""
    response["Cache-Control"] = "no-store"


def clear_cookie(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, samesite="Lax")


def no_session(request: HttpRequest) -> str | None:
    """Browsing needs no session: without an Authorization header the caller is an anonymous web
    shopper; a header with a wrong token is still refused (401)."""
    return None if "Authorization" in request.headers else "anonymous"


# Products and search: the session's channel when a token is sent (app prices), else the web's.
browse_auth = [shopper_auth, no_session]

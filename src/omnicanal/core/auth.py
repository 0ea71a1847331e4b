"""Who is acting: staff users (console sessions) and API keys, as one `Principal`.

Roles decide what a principal may do; a store_staff principal acts only on its locations; an
integration key reaches only its scopes (orders, catalog, stock, customers-pii, conversations):
each domain's API names its scope in `require_role(..., scope=...)` or `require_scope`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from omnicanal.core import clock, throttle
from omnicanal.core.errors import CsrfFailed, Forbidden, Unauthorized
from omnicanal.core.libpq import HotStatement
from omnicanal.core.models import DEFAULT_INTEGRATION_SCOPES, ApiKey, Role, Scope

KEY_PREFIX = "ok"
_LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    kind: str  # "user", "apikey" or "system"
    id: str
    name: str
    role: str
    # None: every location. A frozenset: only these location codes (store_staff).
    locations: frozenset[str] | None
    # None: not scoped (every role but integration). A frozenset: the integration key's scopes.
    scopes: frozenset[str] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_integration(self) -> bool:
        return self.role == Role.INTEGRATION

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def sees_pii(self) -> bool:
        """Customers' names, emails, phones and addresses: every staff role, and integration keys
        with the `customers-pii` scope."""
        return self.has_scope(Scope.CUSTOMERS_PII)

    def may_act_on(self, location_code: str) -> bool:
        return self.locations is None or location_code in self.locations


SYSTEM = Principal(kind="system", id="system", name="system", role=Role.ADMIN, locations=None)


def _scope(role: str, codes: list[str]) -> frozenset[str] | None:
    return frozenset(codes) if role == Role.STORE_STAFF else None


def principal_for_user(user) -> Principal:
    return Principal(
        kind="user", id=str(user.pk), name=user.get_username(), role=user.role, locations=_scope(user.role, user.locations)
    )


def _scopes(role: str, names: list[str] | None) -> frozenset[str] | None:
    if role != Role.INTEGRATION:
        return None
    return frozenset(names if names is not None else DEFAULT_INTEGRATION_SCOPES)


def principal_for_key(key: ApiKey) -> Principal:
    return _key_principal(key.prefix, key.name, key.role, key.locations, key.scopes)


def _key_principal(prefix: str, name: str, role: str, locations: list[str], scopes: list[str] | None) -> Principal:
    return Principal(kind="apikey", id=prefix, name=name or prefix, role=role, locations=_scope(role, locations),
                     scopes=_scopes(role, scopes))


def hash_secret(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    parts = raw.strip().split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class _LiveKey(NamedTuple):
    pk: int
    secret_hash: str
    name: str
    role: str
    locations: list[str]
    scopes: list[str] | None
    last_used_at: datetime | None


_KEY_COLUMNS = _LiveKey._fields
_converters: dict[str, list] = {}


def _column_converters() -> list:
    """Per column of _LiveKey, the converters the ORM would apply (the backend's, then the field's
    from_db_value: JSON decoded, an aware datetime on SQLite), worked out once per database vendor."""
    vendor = connection.vendor
    if vendor not in _converters:
        table = ApiKey._meta.db_table
        found = []
        for name in _KEY_COLUMNS:
            field = ApiKey._meta.get_field("id" if name == "pk" else name)
            assert isinstance(field, models.Field)  # a concrete column, never a relation
            column = field.get_col(table)
            found.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
        _converters[vendor] = found
    return _converters[vendor]


# PostgreSQL: through libpq (core.libpq), half a cursor's client CPU; the text columns decoded below.
_LIVE_KEY = HotStatement(
    "omnicanal_live_api_key",
    f'SELECT id, secret_hash, name, role, locations::text, scopes::text, last_used_at FROM "{ApiKey._meta.db_table}" '
    "WHERE prefix = %(prefix)s AND revoked_at IS NULL",
)


def _live_key(prefix: str) -> _LiveKey | None:
    """The unrevoked key with this prefix (unique), read with SQL written once into a tuple: every API
    request asks, and the ORM spent more CPU building this statement and the model instance than the
    database takes to answer it (issue 23). The model's converters still apply, on every database."""
    if connection.vendor == "postgresql":
        rows = _LIVE_KEY.run({"prefix": prefix})
        if not rows:
            return None
        pk, secret_hash, name, role, locations, scopes, used = rows[0]
        # The session's zone is UTC (Django's PostgreSQL connections): "2026-12-07 07:34:41.7+00".
        return _LiveKey(int(pk or 0), secret_hash or "", name or "", role or "", json.loads(locations or "[]"),
                        json.loads(scopes) if scopes is not None else None,
                        datetime.fromisoformat(used) if used else None)
    table = connection.ops.quote_name(ApiKey._meta.db_table)
    columns = ", ".join(connection.ops.quote_name("id" if name == "pk" else name) for name in _KEY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE prefix = %s AND revoked_at IS NULL", [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, converters) in zip(row, _column_converters(), strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return _LiveKey(*values)


def authenticate_key(raw: str) -> Principal | None:
    parts = split_key(raw)
    if parts is None:
        return None
    prefix, secret = parts
    key = _live_key(prefix)
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return _key_principal(prefix, key.name, key.role, key.locations, key.scopes)


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer ok_<prefix>_<secret>`; a logged-in console session works too, but only
    with Django's CSRF check passing on writes: the `X-CSRFToken` header matching the CSRF cookie and,
    when the browser sends an Origin (or, over HTTPS, a Referer), the site's own or one of
    CSRF_TRUSTED_ORIGINS. A cookie alone, from another site, never acts. API keys need no CSRF token:
    a browser never adds an Authorization header by itself."""

    csrf = True  # tells Ninja's /api/docs page to send the token with "Try it out"

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.headers.get("Authorization"):
            if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
                raise CsrfFailed(detail=_("A console session acts on the API only with its CSRF token (X-CSRFToken) "
                                          "from the site's own pages; other clients send an API key."))
            principal = principal_for_user(user)
            request.principal = principal  # type: ignore[attr-defined]  # who acts, for handlers and views
            return principal
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        # Wrong keys count per client address; a locked address is refused (429) before any lookup.
        address = ("api_key_address", throttle.client_address(request))
        throttle.check(address)
        principal = authenticate_key(token)
        if principal is None:
            throttle.failed(address)
        else:
            request.principal = principal  # type: ignore[attr-defined]
        return principal


def current_principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "principal", None)
    if principal is None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise Unauthorized(detail="Sign in or send an API key.")
        principal = principal_for_user(user)
        request.principal = principal  # type: ignore[attr-defined]
    return principal


def _principal(request_or_principal) -> Principal:
    if isinstance(request_or_principal, Principal):
        return request_or_principal
    return current_principal(request_or_principal)


def role_allows(who, roles: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether `who` (a staff user, a Principal, or None/anonymous) holds a right that `roles` (a
    domain's roles.py tuple) grants; admins always do. The console asks this (views, nav, the
    templates' `may` filter) with the same tuple its API passes to require_role, so they agree."""
    role = getattr(who, "role", None)
    return role is not None and (role == Role.ADMIN or role in roles)


def holders(roles: tuple[str, ...]) -> tuple[str, ...]:
    """Every role name holding a right: `roles` and admin (for database filters such as
    `role__in`, where require_role is not asked)."""
    return (*roles, Role.ADMIN.value) if Role.ADMIN not in roles else tuple(roles)


def require_role(request_or_principal, *roles: str, scope: str | None = None) -> Principal:
    """The principal, if its role is one of `roles` (admins always pass) and, for an integration
    key, `scope` is one of its scopes; else Forbidden."""
    principal = _principal(request_or_principal)
    if not role_allows(principal, roles):
        raise Forbidden(detail=f"The role '{principal.role}' may not do this.")
    if scope is not None:
        require_scope(principal, scope)
    return principal


def require_scope(request_or_principal, scope: str) -> Principal:
    """The principal, if it is not scoped or holds `scope` (integration keys); else Forbidden."""
    principal = _principal(request_or_principal)
    if not principal.has_scope(scope):
        raise Forbidden(detail=_("This API key lacks the scope '%(scope)s'.") % {"scope": scope})
    return principal


def require_location(principal: Principal, location_code: str) -> Principal:
    if not principal.may_act_on(location_code):
        raise Forbidden(detail=f"This credential may not act on location '{location_code}'.")
    return principal

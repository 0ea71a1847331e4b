"""Writers of the core domain: staff, API keys, worker heartbeats."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from omnicanal.core import audit, clock
from omnicanal.core.auth import KEY_PREFIX, SYSTEM, Principal, hash_secret, principal_for_user
from omnicanal.core.errors import FieldError, NotFound, ValidationFailed
from omnicanal.core.local_time import validate_time_zone
from omnicanal.core.models import DEFAULT_INTEGRATION_SCOPES, ApiKey, Role, Scope, WorkerHeartbeat

LOCATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def check_role_and_locations(role: str, locations: list[str]) -> list[str]:
    errors = []
    if role not in Role.values:
        errors.append(FieldError("role", f"must be one of {', '.join(Role.values)}"))
    bad = [code for code in locations if not LOCATION_CODE.match(code)]
    if bad:
        errors.append(FieldError("locations", f"not location codes: {', '.join(bad)}"))
    if role == Role.STORE_STAFF and not locations:
        errors.append(FieldError("locations", "store staff need at least one location"))
    if errors:
        raise ValidationFailed(detail="Invalid role or locations.", errors=errors)
    return sorted(set(locations)) if role == Role.STORE_STAFF else []


def check_scopes(role: str, scopes: list[str] | None) -> list[str]:
    """An integration key's scopes (DEFAULT_INTEGRATION_SCOPES when none are named); [] otherwise."""
    if role != Role.INTEGRATION:
        if scopes:
            raise ValidationFailed.on("scopes", "only integration keys have scopes")
        return []
    if scopes is None or not list(scopes):
        return list(DEFAULT_INTEGRATION_SCOPES)
    bad = [s for s in scopes if s not in Scope.values]
    if bad:
        raise ValidationFailed.on("scopes", f"unknown scopes: {', '.join(bad)} (known: {', '.join(Scope.values)})")
    return sorted(set(scopes))


def do_create_api_key(
    *, role: str, locations: list[str] | None = None, name: str = "", actor: Principal = SYSTEM, secret: str | None = None,
    scopes: list[str] | None = None,
) -> IssuedKey:
    """Issue a key. `secret` is only for deterministic demo keys; real keys are random. An
    integration key reaches only its `scopes` (default: orders, catalog, stock)."""
    codes = check_role_and_locations(role, list(locations or []))
    scope_names = check_scopes(role, scopes)
    prefix = secrets.token_hex(4) if secret is None else hash_secret(secret)[:8]
    secret = secret or secrets.token_urlsafe(32).replace("_", "").replace("-", "")
    key = ApiKey.objects.create(
        prefix=prefix, secret_hash=hash_secret(secret), name=name, role=role, locations=codes, scopes=scope_names,
        created_at=clock.now()
    )
    audit.record(actor=actor, action="apikey.create", target_type="apikey", target_id=prefix,
                 after={"role": role, "locations": codes, "scopes": scope_names})
    return IssuedKey(key=key, secret=f"{KEY_PREFIX}_{prefix}_{secret}")


def do_set_api_key_scopes(*, prefix: str, scopes: list[str], actor: Principal = SYSTEM) -> ApiKey:
    """Replace an active integration key's scopes (audited)."""
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        raise NotFound(detail=f"No active API key with prefix {prefix}.")
    if key.role != Role.INTEGRATION:
        raise ValidationFailed.on("scopes", "only integration keys have scopes")
    before = list(key.scopes)
    key.scopes = check_scopes(key.role, scopes)
    key.save(update_fields=["scopes"])
    audit.record(actor=actor, action="apikey.scopes", target_type="apikey", target_id=prefix,
                 before={"scopes": before}, after={"scopes": key.scopes})
    return key


def do_revoke_api_key(*, prefix: str, actor: Principal = SYSTEM) -> ApiKey:
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        raise NotFound(detail=f"No active API key with prefix {prefix}.")
    key.revoked_at = clock.now()
    key.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="apikey.revoke", target_type="apikey", target_id=prefix)
    return key


def do_create_staff_user(
    *,
    username: str,
    password: str,
    role: str,
    locations: list[str] | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    actor: Principal = SYSTEM,
    password_hash: str | None = None,
):
    """`password_hash` (make_password's, hashed by the caller) stands for `password` when given: the
    demo hashes its staff's passwords side by side, each hash costing about half a second by design."""
    codes = check_role_and_locations(role, list(locations or []))
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationFailed.on("username", "is taken")
    is_admin = role == Role.ADMIN
    user = User.objects.create_user(
        username=username,
        password=None if password_hash is not None else password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        locations=codes,
        is_staff=is_admin,  # Django's is_staff opens /admin: admins only
        is_superuser=is_admin,
    )
    if password_hash is not None:
        user.password = password_hash
        user.save(update_fields=["password"])
    audit.record(actor=actor, action="staff.create", target_type="user", target_id=str(user.pk), after={"role": role, "locations": codes})
    return user


# Who may opt in to the weekly KPI summary (those who read the KPIs: analytics.roles.KPIS, and admins).
WEEKLY_SUMMARY_ROLES = ("admin", "manager", "store_staff")


def do_set_staff_preferences(*, user, time_zone: str, language: str, weekly_summary: bool | None = None) -> None:
    """A staff member's own reading choices (the console's "My preferences"): the zone times are
    shown in (an IANA name; "" for the business's, core.local_time), the console's language ("" for
    the business's, core.console_language) and, for those who read the KPIs, the weekly summary by
    email (None: left as it is). All checked field by field before anything is saved."""
    time_zone, language = time_zone.strip(), language.strip()
    errors = []
    if weekly_summary and user.role not in WEEKLY_SUMMARY_ROLES:
        errors.append(FieldError("weekly_summary", gettext("Your role does not receive the weekly summary.")))
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        errors.append(FieldError("time_zone", exc.messages[0]))
    if language and language not in dict(settings.LANGUAGES):
        errors.append(FieldError("language", gettext("Unknown language %(code)s.") % {"code": language}))
    if errors:
        raise ValidationFailed(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    before = {"time_zone": user.time_zone, "language": user.language, "weekly_summary": user.weekly_summary}
    with transaction.atomic():
        user.time_zone, user.language = time_zone, language
        if weekly_summary is not None:
            user.weekly_summary = weekly_summary
        user.save(update_fields=["time_zone", "language", "weekly_summary"])
        audit.record(actor=principal_for_user(user), action="staff.preferences", target_type="user",
                     target_id=str(user.pk), before=before,
                     after={"time_zone": time_zone, "language": language, "weekly_summary": user.weekly_summary})


def do_record_heartbeat(*, name: str = "worker") -> None:
    with transaction.atomic():
        WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": clock.now()})


def do_set_staff_password(*, username: str, password: str, actor: Principal = SYSTEM):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(detail=f"No staff member {username}.")
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="staff.password", target_type="user", target_id=str(user.pk))
    return user


@dataclass(frozen=True)
class Reencrypted:
    rows: int  # rows rewritten
    unreadable: int  # secrets no configured key opens (left as they were)


def do_reencrypt_secrets(*, actor: Principal = SYSTEM) -> Reencrypted:
    """Re-encrypt every stored secret under the first encryption key (core.crypto); the caller's transaction."""
    from omnicanal.core import crypto

    rows = unreadable = 0
    for model, field in crypto.encrypted_fields():
        for pk, value in model._default_manager.order_by("pk").values_list("pk", field.attname):
            unreadable += len(crypto.unreadable_keys(value))
            model._default_manager.filter(pk=pk).update(**{field.attname: value})
            rows += 1
    for model, name in crypto.encrypted_text_fields():
        for pk, stored in model._default_manager.order_by("pk").exclude(**{name: ""}).values_list("pk", name):
            plain = crypto.decrypt(stored)
            if isinstance(plain, crypto.Unreadable):
                unreadable += 1  # left as it was: the key it was written with may come back
                continue
            model._default_manager.filter(pk=pk).update(**{name: crypto.encrypt(plain)})
            rows += 1
    audit.record(actor=actor, action="secrets.reencrypt", target_type="system", target_id="encryption-keys",
                 after={"rows": rows, "unreadable": unreadable})
    return Reencrypted(rows=rows, unreadable=unreadable)

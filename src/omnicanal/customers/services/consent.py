"""Consent per channel × purpose, preferences and profile edits.

Marketing and surveys need an explicit grant; transactional messages (an order is ready) may go
unless withdrawn. A channel that receives "STOP" (or "BAJA") calls do_withdraw_consent at once.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, FieldError, ValidationFailed
from omnicanal.customers import birthdays, matching
from omnicanal.customers.events import ConsentGranted, ConsentWithdrawn
from omnicanal.customers.models import Consent, Customer, Purpose, TimelineEvent
from omnicanal.customers.normalize import contact_channel
from omnicanal.customers.services.addresses import sync_from_profile
from omnicanal.customers.services.common import customer_of

STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "baja", "darme de baja", "desuscribir",
              "no mas", "no más", "parar", "detener"}
START_WORDS = {"start", "unstop", "subscribe", "alta", "suscribir"}
LANGUAGE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")


def check_channel_purpose(channel: str, purpose: str) -> tuple[str, str]:
    errors = []
    normalized = contact_channel(channel) if isinstance(channel, str) else None
    if normalized is None:
        errors.append(FieldError("channel", _("unknown contact channel")))
    if purpose not in Purpose.values:
        errors.append(FieldError("purpose", _("must be transactional, marketing or surveys")))
    if errors:
        raise ValidationFailed(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return normalized, purpose


def consent_keyword(text: str) -> str | None:
    """'withdraw' for STOP-style words, 'grant' for START-style words, else None (channels ask)."""
    word = matching.fold(text or "")
    if word in {matching.fold(w) for w in STOP_WORDS}:
        return "withdraw"
    if word in {matching.fold(w) for w in START_WORDS}:
        return "grant"
    return None


def do_set_consent(
    *, customer: Customer | str | None = None, customer_id: str | None = None, channel: str, purpose: str,
    granted: bool, source: str, proof: str = "", at: dt.datetime | None = None, actor: Principal = SYSTEM,
) -> Consent:
    """Record a grant or a withdrawal; idempotent (the same state again changes nothing)."""
    target = customer_of(customer, customer_id)
    if target.erased_at:
        raise Conflict(detail=str(_("This customer was erased.")))
    channel, purpose = check_channel_purpose(channel, purpose)
    now = at or clock.now()
    consent = Consent.objects.filter(customer=target, channel=channel, purpose=purpose).first()
    if consent is not None and consent.granted == granted:
        return consent
    if consent is None:
        consent = Consent(customer=target, channel=channel, purpose=purpose)
    consent.granted, consent.source, consent.proof, consent.changed_at = granted, source[:60], proof, now
    consent.save()
    kind = "consent.granted" if granted else "consent.withdrawn"
    TimelineEvent.objects.create(
        customer=target, at=now, type=kind, channel=channel,
        summary=f"{kind}: {channel} {purpose} ({source})", data={"channel": channel, "purpose": purpose, "source": source},
    )
    event = ConsentGranted if granted else ConsentWithdrawn
    outbox.emit(event(customer_id=target.public_id, channel=channel, purpose=purpose, source=source))
    return consent


def do_grant_consent(*, channel: str, purpose: str, source: str, customer: Customer | str | None = None,
                     customer_id: str | None = None, proof: str = "", at=None, actor: Principal = SYSTEM) -> Consent:
    return do_set_consent(customer=customer, customer_id=customer_id, channel=channel, purpose=purpose, granted=True,
                          source=source, proof=proof, at=at, actor=actor)


def do_withdraw_consent(*, channel: str, purpose: str, source: str, customer: Customer | str | None = None,
                        customer_id: str | None = None, proof: str = "", at=None, actor: Principal = SYSTEM) -> Consent:
    return do_set_consent(customer=customer, customer_id=customer_id, channel=channel, purpose=purpose, granted=False,
                          source=source, proof=proof, at=at, actor=actor)


def _time(value: Any, field_name: str) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed.on(field_name, _("must be a time such as 09:00")) from exc


_UNSET: Any = object()


def do_update_preferences(
    *, customer: Customer | str | None = None, customer_id: str | None = None, language: str | None = _UNSET,
    preferred_channels: Mapping[str, str] | None = _UNSET, contact_from: Any = _UNSET, contact_to: Any = _UNSET,
    time_zone: str | None = _UNSET, birth_date: Any = _UNSET, actor: Principal = SYSTEM,
) -> Customer:
    """Change only the preferences given; None or "" clears one. `birth_date` is ISO 8601
    (`1990-05-17`, or `--05-17` without the year: customers.birthdays) or a form's boxes
    `{day, month, year}` (the year may be empty)."""
    target = customer_of(customer, customer_id)
    changes: dict[str, Any] = {}
    if birth_date is not _UNSET:
        if isinstance(birth_date, Mapping):  # a form's day, month and optional year boxes
            birth_date = birthdays.from_parts(birth_date.get("day", ""), birth_date.get("month", ""),
                                              birth_date.get("year", ""))
        zone = zoneinfo.ZoneInfo(target.time_zone or settings.OMNICANAL["TIME_ZONE"])
        born = birthdays.parse(birth_date, today=clock.now().astimezone(zone).date())
        changes.update(birth_month=born.month if born else None, birth_day=born.day if born else None,
                       birth_year=born.year if born else None)
    if language is not _UNSET:
        language = (language or "").lower()
        if language and not LANGUAGE.match(language):
            raise ValidationFailed.on("language", _("must be a language code such as es or en"))
        changes["language"] = language
    if time_zone is not _UNSET:
        if time_zone and time_zone not in zoneinfo.available_timezones():
            raise ValidationFailed.on("time_zone", _("unknown time zone"))
        changes["time_zone"] = time_zone or ""
    if contact_from is not _UNSET:
        changes["contact_from"] = _time(contact_from, "contact_from")
    if contact_to is not _UNSET:
        changes["contact_to"] = _time(contact_to, "contact_to")
    if preferred_channels is not _UNSET:
        cleaned = {}
        for purpose, channel in (preferred_channels or {}).items():
            if not channel:
                continue
            channel, purpose = check_channel_purpose(channel, purpose)
            cleaned[purpose] = channel
        changes["preferred_channels"] = cleaned
    if changes:
        changes["updated_at"] = clock.now()
        Customer.objects.filter(pk=target.pk).update(**changes)
        for name, value in changes.items():
            setattr(target, name, value)
    return target


def do_update_profile(
    *, customer: Customer | str | None = None, customer_id: str | None = None, name: str | None = None,
    address: Mapping[str, str] | None = None, actor: Principal = SYSTEM,
) -> Customer:
    target = customer_of(customer, customer_id)
    if target.erased_at:
        raise Conflict(detail=str(_("This customer was erased.")))
    changes: dict[str, Any] = {}
    if name is not None:
        changes.update(name=name.strip()[:200], name_key=matching.name_key(name))
        if name.strip():
            changes["anonymous"] = False
    if address is not None:
        country = (address.get("country") or settings.OMNICANAL.get("COUNTRY", "")).upper()[:2]
        changes.update(
            address_line1=(address.get("line1") or "")[:200], address_line2=(address.get("line2") or "")[:200],
            address_city=(address.get("city") or "")[:100], address_region=(address.get("region") or "")[:100],
            address_postal_code=(address.get("postal_code") or "")[:20], address_country=country,
        )
    if changes:
        changes["updated_at"] = clock.now()
        Customer.objects.filter(pk=target.pk).update(**changes)
        for field_name, value in changes.items():
            setattr(target, field_name, value)
        if address is not None:
            sync_from_profile(target)  # the address book's default entry is the profile address
    return target

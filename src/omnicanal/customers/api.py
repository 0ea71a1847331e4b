"""The customers API (../shared/API.md, Customers): parse, call one service or query, answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field, field_validator

from omnicanal.core import audit
from omnicanal.core.auth import require_role
from omnicanal.customers import queries, roles, services
from omnicanal.customers.models import ContactChannel, IdentityKind, Purpose
from omnicanal.customers.schemas import (
    ConsentOut,
    CustomerOut,
    CustomerPageOut,
    ErasedOut,
    ExportOut,
    IdentifyOut,
    PreferencesOut,
    SuggestionDecisionOut,
    SuggestionPageOut,
    TimelineOut,
)

router = Router(tags=["customers"])

IDENTIFY_ROLES, READ_ROLES, WRITE_ROLES = roles.IDENTIFY, roles.READ, roles.WRITE
MERGE_ROLES, PRIVACY_ROLES, BULK_READ = roles.MERGE, roles.PRIVACY, roles.BULK_READ

Kind = Literal[tuple(IdentityKind.values)]  # type: ignore[valid-type]
PurposeName = Literal[tuple(Purpose.values)]  # type: ignore[valid-type]


class IdentityIn(Schema):
    kind: Kind
    value: str = Field(min_length=1, max_length=200)
    verified: bool = False


class TraitsAddressIn(Schema):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(default="", max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(default="CL", pattern=r"^[A-Za-z]{2}$")


class TraitsIn(Schema):
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    time_zone: str | None = Field(default=None, max_length=64)
    address: TraitsAddressIn | None = None


class IdentifyIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "channel": "whatsapp", "identities": [{"kind": "phone", "value": "+56 9 8765 4321", "verified": True},
                                              {"kind": "email", "value": "Ana.Rojas@Gmail.com"}],
        "traits": {"name": "Ana Rojas Soto", "language": "es"}}]})

    channel: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", examples=["whatsapp"])
    identities: list[IdentityIn] = Field(min_length=1, max_length=20)
    traits: TraitsIn | None = None


class MergeIn(Schema):
    other_id: str = Field(min_length=1, max_length=40)


class ConsentIn(Schema):
    channel: str = Field(min_length=1, max_length=20, examples=list(ContactChannel.values))
    purpose: PurposeName
    granted: bool
    proof: str = Field(default="", max_length=2000)
    source: str = Field(default="api", min_length=1, max_length=60)


class PreferencesIn(Schema):
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]{2})?$")
    preferred_channels: dict[PurposeName, str] | None = None
    contact_from: dt.time | None = None
    contact_to: dt.time | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    birth_date: str | None = Field(default=None, max_length=10, examples=["1990-05-17", "--05-17"],
                                   description="ISO 8601: YYYY-MM-DD, or --MM-DD without the year; null clears it")

    @field_validator("contact_from", "contact_to")
    @classmethod
    def _local_time(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("a local time without an offset (the zone goes in time_zone)")
        return value


class EraseIn(Schema):
    reason: str = Field(default="", max_length=500)


class TimelineFilters(Schema):
    channel: str | None = Field(default=None, max_length=20)
    type: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=100, ge=1, le=500)
    before: dt.datetime | None = None


class SearchFilters(Schema):
    q: str = Field(default="", max_length=200)
    limit: int = Field(default=25, ge=1, le=100)


def _summary_row(customer, identities) -> dict[str, Any]:
    return {
        "id": customer.public_id,
        "name": customer.name,
        "created_at": customer.created_at,
        "identities": [{"kind": i.kind, "value": i.value, "verified": i.verified} for i in identities],
    }


@router.post("/customers/identify", response={200: IdentifyOut}, summary="Resolve a channel's identities to one customer")
def identify(request, body: IdentifyIn):
    """Resolves a channel's identifiers to one customer: phones are normalized to E.164 and emails to lower
    case; a known identifier answers its customer, a new one creates a customer, and identifiers of two
    customers merge them unless they hold different verified identifiers of one kind (then a suggestion is
    queued for review)."""
    actor = require_role(request, *IDENTIFY_ROLES)
    result = services.do_identify(
        channel=body.channel,
        identities=[i.dict() for i in body.identities],
        traits=body.traits.dict() if body.traits else None,
        actor=actor,
    )
    return {"customer_id": result.customer_id, "created": result.created, "merged_ids": list(result.merged_ids),
            "suggestion_ids": list(result.suggestion_ids)}


@router.get("/customers", response=CustomerPageOut, summary="Search customers by any identity in any format, or by part of the name")
def search(request, filters: Query[SearchFilters]):
    """Customers matching `q`: any identifier typed as people type it (a phone with spaces, an email in
    capitals) or part of the name. Reading many customers at once is audited."""
    actor = require_role(request, *READ_ROLES)
    found = queries.search(filters.q, limit=filters.limit)
    identities = queries.identities_by_customer([c.pk for c in found])
    if len(found) > BULK_READ:
        audit.record(actor=actor, action="customer.search", target_type="customer", target_id="*",
                     after={"ids": [c.public_id for c in found]})
    return {"items": [_summary_row(c, identities[c.pk]) for c in found]}


@router.get("/merge-suggestions", response=SuggestionPageOut, summary="The duplicate review queue")
def suggestions(request, limit: int = 50):
    """Open duplicate suggestions, the most likely first, with the reasons (same phone, similar name…)."""
    actor = require_role(request, *MERGE_ROLES)
    rows = queries.open_suggestions(limit=max(1, min(limit, 200)))
    if rows:
        audit.record(actor=actor, action="customer.suggestions", target_type="customer", target_id="*",
                     after={"suggestions": [s.public_id for s in rows]})
    return {"items": [
        {"id": s.public_id, "customer_a": s.customer_a.public_id, "customer_b": s.customer_b.public_id,
         "score": s.score, "reasons": [r.get("code") for r in s.reasons], "created_at": s.created_at}
        for s in rows
    ]}


@router.post("/merge-suggestions/{suggestion_id}/accept", response=CustomerOut, summary="Merge the suggested pair")
def accept_suggestion(request, suggestion_id: str):
    """Accepts a duplicate suggestion: the two customers merge into the older one, losing nothing (identities,
    orders, conversations, points, consents)."""
    actor = require_role(request, *MERGE_ROLES)
    survivor = services.do_accept_suggestion(suggestion_id=suggestion_id, actor=actor)
    return queries.single_view(survivor)


@router.post("/merge-suggestions/{suggestion_id}/reject", response=SuggestionDecisionOut,
             summary="Not one person: never suggest the pair again")
def reject_suggestion(request, suggestion_id: str):
    """Records that a suggested pair are two different people; the pair is never suggested again."""
    actor = require_role(request, *MERGE_ROLES)
    suggestion = services.do_reject_suggestion(suggestion_id=suggestion_id, actor=actor)
    return {"id": suggestion.public_id, "status": suggestion.status}


@router.get("/customers/{customer_id}", response=CustomerOut, summary="The single customer view (an alias answers its survivor)")
def get_customer(request, customer_id: str):
    """The single customer view: name, identities, consents, loyalty balances, cart, recent orders and open
    conversation. An id merged into another answers the survivor (its `id` differs from the one asked)."""
    principal = require_role(request, *READ_ROLES)
    return queries.single_view(queries.get_customer(customer_id), principal)


@router.get("/customers/{customer_id}/timeline", response=TimelineOut,
            summary="Everything that happened to the customer, newest first")
def get_timeline(request, customer_id: str, filters: Query[TimelineFilters]):
    """Everything that happened to the customer on every channel (orders, messages, visits, consents, loyalty),
    newest first, each with its channel and a reference."""
    principal = require_role(request, *READ_ROLES)
    items = queries.timeline(customer_id, channel=filters.channel, type=filters.type, limit=filters.limit,
                             before=filters.before, principal=principal)
    return {"items": [{"at": i.at, "type": i.type, "channel": i.channel, "summary": i.summary, "ref": i.ref}
                      for i in items]}


@router.post("/customers/{customer_id}/merge", response=CustomerOut, summary="Merge other_id into this customer; answers the survivor")
def merge(request, customer_id: str, body: MergeIn):
    """Merges `other_id` into this customer and answers the survivor: identities, orders, conversations, points
    and consents move; the other id stays an alias. Profiles with different verified identifiers of one kind
    are refused."""
    actor = require_role(request, *MERGE_ROLES)
    survivor = services.do_merge_customers(survivor=customer_id, other=body.other_id, actor=actor, reason="api")
    return queries.single_view(survivor)


@router.put("/customers/{customer_id}/consents", response=ConsentOut, summary="Grant or withdraw consent for a channel and purpose")
def put_consent(request, customer_id: str, body: ConsentIn):
    """Grants or withdraws the customer's consent for one channel and purpose (transactional, marketing,
    surveys), recording the source and time."""
    actor = require_role(request, *WRITE_ROLES)
    consent = services.do_set_consent(
        customer_id=customer_id, channel=body.channel, purpose=body.purpose, granted=body.granted,
        source=body.source, proof=body.proof, actor=actor,
    )
    answer = queries.consent_dict(consent)
    if not actor.sees_pii:  # an integration key without `customers-pii`: the proof may quote a phone or email
        answer["proof"] = None
    return answer


@router.put("/customers/{customer_id}/preferences", response=PreferencesOut, summary="Language, preferred channels, contact hours, time zone, birth date")
def put_preferences(request, customer_id: str, body: PreferencesIn):
    """Sets the customer's language, preferred channel per purpose, contact hours, time zone and birth date
    (`1990-05-17`, or `--05-17` when the customer gives no year; not in the future, no 30 February; null
    clears it); absent fields keep their value."""
    actor = require_role(request, *WRITE_ROLES)
    changes = body.dict(exclude_unset=True)
    customer = services.do_update_preferences(customer_id=customer_id, actor=actor, **changes)
    return queries.preferences_dict(customer)


@router.get("/customers/{customer_id}/export", response=ExportOut, summary="Everything held about the person (audited)")
def export(request, customer_id: str):
    """Everything held about the person, from every domain, as JSON (for a data-access request). Audited."""
    actor = require_role(request, *PRIVACY_ROLES)
    return services.do_export_customer(customer=customer_id, actor=actor)


@router.post("/customers/{customer_id}/erase", response=ErasedOut, summary="Erase personal data everywhere; order totals are kept")
def erase(request, customer_id: str, body: EraseIn | None = None):
    """Erases the person's personal data in every domain (identities, consents, name, address, message texts);
    order totals stay on the books under the same id. Audited; cannot be undone."""
    actor = require_role(request, *PRIVACY_ROLES)
    customer = services.do_erase_customer(customer=customer_id, actor=actor, reason=body.reason if body else "")
    return {"id": customer.public_id, "erased": True, "erased_at": customer.erased_at}

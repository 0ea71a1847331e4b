"""Identity resolution: every channel's identifiers resolve to one customer.

Rules (docs/customers.md):
- no identifier known → a new customer holding all of them;
- one customer matches → the new identifiers are attached to it (a signed-in shopper's
  shop-vouched email in the web chat, a card scanned at the POS; an address typed in the chat is
  never passed here: it is the conversation's reply address only);
- several customers match → they are merged automatically only when every match is verified
  evidence and their verified identities do not conflict (two different verified emails, phones…);
  otherwise staff get a merge suggestion and the call resolves to the best-evidenced customer.
  Anonymous visitors (only web chat / app device ids) join the known customer on any evidence.

A (kind, value) has one owner (unique constraint). Two simultaneous calls with the same new email
race on that constraint: the loser's insert fails inside a savepoint and it resolves again, now
finding the winner's customer.

`do_attach_identity` takes one identifier given for a purpose (the POS's receipt by email): it is
attached to the identified buyer only when nobody holds it; another holder gets a merge suggestion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core import rows as core_rows
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, FieldError, ValidationFailed
from omnicanal.customers import matching
from omnicanal.customers.events import CustomerCreated, IdentityAttached
from omnicanal.customers.models import Customer, Identity, TimelineEvent
from omnicanal.customers.normalize import ANONYMOUS_KINDS, KINDS, PHONE_KINDS, InvalidIdentity, normalize
from omnicanal.customers.services.common import customer_of

CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
MAX_IDENTITIES = 20
# last_seen_at is refreshed at most this often: a returning customer costs one SELECT, not a write.
SEEN_EVERY = timedelta(minutes=1)
# The channel itself vouches for its own sender ids (WhatsApp delivered it from that number…).
NATIVE_KIND = {
    "whatsapp": "whatsapp", "telegram": "telegram", "webchat": "webchat", "app": "app_device",
    "instagram": "instagram", "facebook": "facebook", "marketplace": "marketplace",
}
# Kinds of which one person has one: two different verified values never auto-merge.
SINGULAR_KINDS = KINDS - ANONYMOUS_KINDS
_RETRIES = 4


@dataclass(frozen=True)
class Claim:
    kind: str
    value: str  # normalized
    verified: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)


@dataclass(frozen=True)
class Traits:
    name: str = ""
    language: str = ""
    time_zone: str = ""
    address: Mapping[str, str] | None = None


@dataclass(frozen=True)
class IdentifyRequest:
    channel: str
    identities: list[Any]
    traits: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class IdentifiedCustomer:
    """The customer an identify call resolved to (the survivor of any merge), as other domains see
    it: what resolution read anyway, never the model row. customers.queries.customer_summary has
    the rest (contacts, preferences, address)."""

    id: str  # the public id (cus_…)
    name: str  # "" when unknown
    language: str  # "" when unknown
    time_zone: str  # "" when unknown
    anonymous: bool
    erased: bool


def _identified(customer: Customer) -> IdentifiedCustomer:
    return IdentifiedCustomer(id=customer.public_id, name=customer.name, language=customer.language,
                              time_zone=customer.time_zone, anonymous=customer.anonymous,
                              erased=customer.erased_at is not None)


@dataclass(frozen=True)
class IdentifyResult:
    customer: IdentifiedCustomer
    created: bool = False
    merged_ids: tuple[str, ...] = ()
    suggestion_ids: tuple[str, ...] = ()

    @property
    def customer_id(self) -> str:
        return self.customer.id


@dataclass
class _Resolution:
    """A resolution under way: the customer's row, for this module's own writes."""

    row: Customer
    created: bool = False
    merged_ids: list[str] = field(default_factory=list)
    suggestion_ids: list[str] = field(default_factory=list)

    def result(self) -> IdentifyResult:
        return IdentifyResult(_identified(self.row), self.created, tuple(self.merged_ids), tuple(self.suggestion_ids))


class _Retry(Exception):
    """Someone else changed the rows we were about to write; resolve again."""


# --- validation --------------------------------------------------------------------------------


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def check_contact_channel_name(channel: str, field_name: str = "channel") -> str:
    """The shape of the name of the channel a customer reached us on ("whatsapp", "web"): not a
    sales channel (those are the catalog's, catalog.queries.check_channel)."""
    if not isinstance(channel, str) or not CHANNEL.match(channel):
        raise ValidationFailed.on(field_name, _("must be a channel name (lower-case letters, digits, _)"))
    return channel


def check_identities(identities: Iterable[Any], channel: str, prefix: str = "identities") -> list[Claim]:
    """Normalized claims, one per (kind, value), or ValidationFailed naming each bad field."""
    items = list(identities or [])
    if not items:
        raise ValidationFailed.on(prefix, _("at least one identity is needed"))
    if len(items) > MAX_IDENTITIES:
        raise ValidationFailed.on(prefix, _("too many identities"))
    errors: list[FieldError] = []
    claims: dict[tuple[str, str], Claim] = {}
    native = NATIVE_KIND.get(channel)
    for index, item in enumerate(items):
        kind, value = _get(item, "kind"), _get(item, "value")
        if kind not in KINDS:
            errors.append(FieldError(f"{prefix}.{index}.kind", _("unknown identity kind")))
            continue
        try:
            normalized = normalize(kind, value)
        except InvalidIdentity as exc:
            errors.append(FieldError(f"{prefix}.{index}.value", exc.message))
            continue
        verified = bool(_get(item, "verified", False)) or kind == native
        previous = claims.get((kind, normalized))
        claims[(kind, normalized)] = Claim(kind, normalized, verified or bool(previous and previous.verified))
    if errors:
        raise ValidationFailed(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return list(claims.values())


def check_traits(traits: Mapping[str, Any] | None) -> Traits:
    if not traits:
        return Traits()
    name = (_get(traits, "name") or "").strip()[:200]
    language = (_get(traits, "language") or "").strip()[:8]
    time_zone = (_get(traits, "time_zone") or "").strip()[:64]
    address = _get(traits, "address")
    if address is not None and not isinstance(address, Mapping):
        address = address.dict() if hasattr(address, "dict") else None
    return Traits(name=name, language=language, time_zone=time_zone, address=address)


# --- the service -----------------------------------------------------------------------------


def do_identify(
    *, channel: str, identities: Iterable[Any], traits: Mapping[str, Any] | None = None, actor: Principal = SYSTEM
) -> IdentifyResult:
    """Resolve a channel's identifiers to one customer (creating, attaching or merging)."""
    check_contact_channel_name(channel)
    claims = check_identities(identities, channel)
    return _resolve(channel, claims, check_traits(traits), actor).result()


# --- one identifier given for a purpose (a receipt's email at the counter) -------------------------

ATTACHED = "attached"  # the identified customer now holds it (unverified)
ALREADY_THEIRS = "already_theirs"
OWNED_BY_ANOTHER = "owned_by_another"  # nothing moved; staff got a merge suggestion
CREATED = "created"  # an anonymous buyer: a new customer holding it
FOUND_OWNER = "found_owner"  # an anonymous buyer: the customer who holds it


@dataclass(frozen=True)
class AttachResult:
    """The customer the message (and the order) belongs to, and what became of the identifier."""

    customer: IdentifiedCustomer
    outcome: str
    value: str  # normalized
    suggestion_id: str = ""

    @property
    def customer_id(self) -> str:
        return self.customer.id


def do_attach_identity(
    *, customer_id: str | None, value: str, channel: str, source: str, kind: str = "email",
    field_name: str = "value", actor: Principal = SYSTEM,
) -> AttachResult:
    """An identifier a customer gave for one purpose (the POS's receipt by email); never verified.

    Identified buyer: attached when nobody holds it; when another customer does, nothing moves (a
    typed address is no proof, and it may be a relative's): staff get a merge suggestion. Anonymous
    buyer: do_identify's rules (its owner, else a new customer holding it). An invalid value is a
    422 on `field_name`, before anything is written.
    """
    check_contact_channel_name(channel)
    claim = _single_claim(kind, value, field_name)
    if not customer_id:
        resolved = _resolve(channel, [claim], Traits(), actor)
        return AttachResult(_identified(resolved.row), CREATED if resolved.created else FOUND_OWNER, claim.value)
    buyer = customer_of(customer_id=customer_id)
    if buyer.erased_at:
        raise Conflict(detail=str(_("This customer was erased.")))
    for _attempt in range(_RETRIES):
        try:
            return _attach_given(buyer, claim, channel, source, actor)
        except _Retry:  # merged away or the value taken meanwhile: read both again
            buyer = customer_of(customer_id=buyer.public_id)
    raise Conflict(detail="The customer changed concurrently too often; retry the request.")


def _single_claim(kind: str, value: str, field_name: str) -> Claim:
    if kind not in KINDS:
        raise ValidationFailed.on(field_name, _("unknown identity kind"))
    try:
        return Claim(kind, normalize(kind, value), verified=False)
    except InvalidIdentity as exc:
        raise ValidationFailed.on(field_name, exc.message) from exc


def _attach_given(buyer: Customer, claim: Claim, channel: str, source: str, actor: Principal) -> AttachResult:
    now = clock.now()
    found = _lookup([claim])
    others = [_survivor(row.customer) for row in _matches_for(claim, found) if _owner_pk(row) != buyer.pk]
    others = [c for c in others if c.pk != buyer.pk]
    if others:
        from omnicanal.customers.services.duplicates import do_suggest_merge

        suggestion = do_suggest_merge(customer=buyer, other=others[0], score=60, reasons=[
            {"code": "identity_given_by_other", "kind": claim.kind, "channel": channel, "source": source}])
        return AttachResult(_identified(buyer), OWNED_BY_ANOTHER, claim.value, suggestion.public_id if suggestion else "")
    if claim.key in found:
        _touch([claim], {claim.key: found[claim.key]}, now)
        return AttachResult(_identified(buyer), ALREADY_THEIRS, claim.value)
    _attach(buyer, channel, [claim], now)
    _apply_traits(buyer, Traits(), now, attached=[claim])  # an anonymous profile is known from now on
    audit.record(actor=actor, action="customer.attach_identity", target_type="customer", target_id=buyer.public_id,
                 after={"kind": claim.kind, "verified": False, "channel": channel, "source": source})
    return AttachResult(_identified(buyer), ATTACHED, claim.value)


def _resolve(channel: str, claims: list[Claim], traits: Traits, actor: Principal) -> _Resolution:
    for _attempt in range(_RETRIES):
        try:
            return _identify_once(channel, claims, traits, actor)
        except _Retry:
            continue
    raise Conflict(detail="The customer changed concurrently too often; retry the request.")


@dataclass(frozen=True)
class _Found:
    """A stored identity and its owner, as resolution needs them."""

    pk: int
    kind: str
    value: str
    verified: bool
    last_seen_at: dt.datetime
    customer: Customer

    @property
    def customer_id(self) -> int:
        return self.customer.pk


# In the model's field order (Model.from_db reads them in that order).
_CUSTOMER_COLUMNS = [f.attname for f in Customer._meta.concrete_fields if f.attname in {
    "id", "public_id", "name", "language", "time_zone", "address_line1", "anonymous", "merged_into_id", "erased_at"}]
_ANONYMOUS = _CUSTOMER_COLUMNS.index("anonymous")
_ERASED_AT = _CUSTOMER_COLUMNS.index("erased_at")
_LOOKUP_SQL: dict[tuple[str, int], str] = {}


def _lookup_sql(count: int) -> str:
    """The resolution SELECT for `count` values, built once: the hot path skips the ORM's compiler."""
    key = (connection.vendor, count)
    if key not in _LOOKUP_SQL:
        customer_columns = ", ".join(f"c.{name}" for name in _CUSTOMER_COLUMNS)
        _LOOKUP_SQL[key] = (
            f"SELECT i.id, i.kind, i.value, i.verified, i.last_seen_at, {customer_columns} "
            f"FROM {Identity._meta.db_table} i JOIN {Customer._meta.db_table} c ON c.id = i.customer_id "
            f"WHERE i.value IN ({', '.join(['%s'] * count)})"
        )
    return _LOOKUP_SQL[key]


def _datetime(value):
    """SQLite hands datetimes back naive (UTC) through a raw cursor; PostgreSQL aware."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)  # stored in UTC


def _lookup(claims: list[Claim]) -> dict[tuple[str, str], _Found]:
    """The stored identities matching the claims: exact (kind, value), and a phone number under
    either phone kind (a WhatsApp id is a phone). One indexed SELECT on (value, kind)."""
    wanted = {c.key for c in claims}
    for c in claims:
        if c.kind in PHONE_KINDS:
            wanted |= {(k, c.value) for k in PHONE_KINDS}
    values = sorted({value for _kind, value in wanted})
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(len(values)), values)
        rows = cursor.fetchall()
    found: dict[tuple[str, str], _Found] = {}
    customers: dict[int, Customer] = {}
    for pk, kind, value, verified, last_seen_at, *customer_values in rows:
        if (kind, value) not in wanted:
            continue
        customer = customers.get(customer_values[0])
        if customer is None:
            customer_values[_ERASED_AT] = _datetime(customer_values[_ERASED_AT])
            customer_values[_ANONYMOUS] = bool(customer_values[_ANONYMOUS])
            # Fields not read here stay deferred: touching one loads it, as with .only().
            customer = Customer.from_db(connection.alias, _CUSTOMER_COLUMNS, customer_values)
            customers[customer.pk] = customer
        found[(kind, value)] = _Found(pk, kind, value, bool(verified), _datetime(last_seen_at), customer)
    return found


def _matches_for(claim: Claim, found: dict[tuple[str, str], _Found]) -> list[_Found]:
    if claim.kind in PHONE_KINDS:
        return [found[(k, claim.value)] for k in sorted(PHONE_KINDS) if (k, claim.value) in found]
    row = found.get(claim.key)
    return [row] if row is not None else []


def _survivor(customer: Customer) -> Customer:
    seen = 0
    while customer.merged_into_id is not None and seen < 10:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        seen += 1
    return customer


def _identify_once(channel: str, claims: list[Claim], traits: Traits, actor: Principal) -> _Resolution:
    now = clock.now()
    found = _lookup(claims)
    if not found:
        return _Resolution(row=_create(channel, claims, traits, now), created=True)

    # Which customers the evidence points to, and with which claims.
    customers: dict[int, Customer] = {}
    evidence: dict[int, list[Claim]] = {}
    for claim in claims:
        for row in _matches_for(claim, found):
            customer = row.customer if row.customer.merged_into_id is None else _survivor(row.customer)
            customers.setdefault(customer.pk, customer)
            evidence.setdefault(customer.pk, [])
            if claim not in evidence[customer.pk]:
                evidence[customer.pk].append(claim)

    primary, to_merge, unsure = _decide(customers, evidence)
    result = _Resolution(row=primary)
    if to_merge or unsure:
        from omnicanal.customers.services.duplicates import do_suggest_merge
        from omnicanal.customers.services.merge import do_merge_customers

        for other in to_merge:
            primary = do_merge_customers(survivor=primary, other=other, actor=actor, reason="identify")
            result.merged_ids.append(other.public_id)
        for other in unsure:
            suggestion = do_suggest_merge(
                customer=primary, other=other, score=70, reasons=[{"code": "shared_identity", "channel": channel}]
            )
            if suggestion is not None:
                result.suggestion_ids.append(suggestion.public_id)
        result.row = primary
        found = _lookup(claims)  # merges moved identities; read their owners again

    mine = {key: row for key, row in found.items() if _owner_pk(row) == primary.pk}
    new = [c for c in claims if c.key not in found]
    if new:
        _attach(primary, channel, new, now)
    _touch(claims, mine, now)
    _apply_traits(primary, traits, now, attached=new)
    return result


def _owner_pk(row: _Found) -> int:
    return row.customer.merged_into_id or row.customer_id


def _decide(customers: dict[int, Customer], evidence: dict[int, list[Claim]]):
    """(primary, customers to merge into it, customers only suggested to staff)."""
    ordered = sorted(customers.values(), key=lambda c: c.pk)
    if len(ordered) == 1:
        return ordered[0], [], []
    known = [c for c in ordered if not c.anonymous]
    anonymous = [c for c in ordered if c.anonymous]
    if len(known) <= 1:
        primary = known[0] if known else anonymous[0]
        return primary, [c for c in ordered if c.pk != primary.pk], []
    sure = [c for c in known if any(claim.verified for claim in evidence[c.pk])]
    if len(sure) == len(known) and not _conflicting([c.pk for c in known]):
        primary = known[0]
        return primary, [c for c in ordered if c.pk != primary.pk], []
    primary = sure[0] if sure else known[0]
    return primary, [c for c in anonymous], [c for c in known if c.pk != primary.pk]


def _conflicting(customer_pks: list[int]) -> bool:
    """Do these customers hold two different verified values of a kind a person has one of?"""
    rows = Identity.objects.filter(customer_id__in=customer_pks, verified=True, kind__in=SINGULAR_KINDS)
    values: dict[str, set[str]] = {}
    for kind, value in rows.values_list("kind", "value"):
        values.setdefault(kind, set()).add(value)
    return any(len(v) > 1 for v in values.values())


def _identity(customer: Customer, channel: str, claim: Claim, now) -> Identity:
    return Identity(
        customer=customer, kind=claim.kind, value=claim.value, verified=claim.verified,
        source_channel=channel, first_seen_at=now, last_seen_at=now,
    )


def _new_customer(traits: Traits, claims: list[Claim], now) -> Customer:
    address = traits.address or {}
    return Customer(
        name=traits.name,
        name_key=matching.name_key(traits.name),
        language=traits.language,
        time_zone=traits.time_zone,
        address_line1=(address.get("line1") or "")[:200],
        address_line2=(address.get("line2") or "")[:200],
        address_city=(address.get("city") or "")[:100],
        address_region=(address.get("region") or "")[:100],
        address_postal_code=(address.get("postal_code") or "")[:20],
        address_country=(address.get("country") or "")[:2].upper(),
        anonymous=not traits.name and all(c.kind in ANONYMOUS_KINDS for c in claims),
        created_at=now,
        updated_at=now,
    )


def _created_event(customer: Customer, channel: str, claims: list[Claim], now) -> TimelineEvent:
    return TimelineEvent(
        customer=customer, at=now, type="customer.created", channel=channel,
        summary=f"Customer created via {channel}", data={"kinds": sorted({c.kind for c in claims})},
    )


def _insert_identities(customer_pk: int, channel: str, claims: list[Claim], now) -> bool:
    """INSERT … ON CONFLICT DO NOTHING in one statement; False when another customer holds one of
    them already (a concurrent identify won the race). No savepoint needed: nothing fails."""
    table = Identity._meta.db_table
    stamp = Identity._meta.get_field("first_seen_at").get_db_prep_value(now, connection)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(claims))
    params: list[Any] = []
    for c in claims:
        params += [customer_pk, c.kind, c.value, c.verified, channel, stamp, stamp]
    sql = (f"INSERT INTO {table} (customer_id, kind, value, verified, source_channel, first_seen_at, last_seen_at) "
           f"VALUES {rows} ON CONFLICT (value, kind) DO NOTHING RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = [row[0] for row in cursor.fetchall()]
    if len(inserted) == len(claims):
        return True
    Identity.objects.filter(pk__in=inserted).delete()
    return False


def _create(channel: str, claims: list[Claim], traits: Traits, now) -> Customer:
    customer = _new_customer(traits, claims, now)
    customer.save(force_insert=True)
    if not _insert_identities(customer.pk, channel, claims, now):
        Customer.objects.filter(pk=customer.pk).delete()
        raise _Retry
    _created_event(customer, channel, claims, now).save(force_insert=True)
    outbox.emit(CustomerCreated(customer.public_id, channel, sorted({c.kind for c in claims})))
    return customer


def _attach(customer: Customer, channel: str, claims: list[Claim], now) -> None:
    # Row lock and check in one statement: a merge that moved this customer away meanwhile makes it
    # 0 rows, and we resolve again.
    if not Customer.objects.filter(pk=customer.pk, merged_into__isnull=True).update(updated_at=now):
        raise _Retry
    if not _insert_identities(customer.pk, channel, claims, now):
        raise _Retry
    kinds = sorted({c.kind for c in claims})
    TimelineEvent.objects.create(
        customer=customer, at=now, type="identity.attached", channel=channel,
        summary=f"New identities: {', '.join(kinds)}", data={"kinds": kinds},
    )
    emit_all([IdentityAttached(customer.public_id, claim.kind, channel, claim.verified) for claim in claims])


def emit_all(events: list[Any]) -> None:
    """Many events at once: one INSERT (core's outbox.emit_many)."""
    outbox.emit_many(events)


def _touch(claims: list[Claim], mine: dict[tuple[str, str], _Found], now) -> None:
    stale, upgrade = [], []
    for claim in claims:
        row = mine.get(claim.key)
        if row is None:
            continue
        if claim.verified and not row.verified:
            upgrade.append(row.pk)
        elif now - row.last_seen_at >= SEEN_EVERY:
            stale.append(row.pk)
    if upgrade:
        Identity.objects.filter(pk__in=upgrade).update(verified=True, last_seen_at=now)
    if stale:
        Identity.objects.filter(pk__in=stale).update(last_seen_at=now)


def _apply_traits(customer: Customer, traits: Traits, now, attached: list[Claim]) -> None:
    """Traits fill what is unknown; they never overwrite what the customer or staff set."""
    changes: dict[str, Any] = {}
    if traits.name and not customer.name:
        changes.update(name=traits.name, name_key=matching.name_key(traits.name))
    if traits.language and not customer.language:
        changes["language"] = traits.language
    if traits.time_zone and not customer.time_zone:
        changes["time_zone"] = traits.time_zone
    if traits.address and not customer.address_line1 and traits.address.get("line1"):
        a = traits.address
        changes.update(
            address_line1=a.get("line1", "")[:200], address_line2=(a.get("line2") or "")[:200],
            address_city=(a.get("city") or "")[:100], address_region=(a.get("region") or "")[:100],
            address_postal_code=(a.get("postal_code") or "")[:20], address_country=(a.get("country") or "")[:2].upper(),
        )
    if customer.anonymous and (changes.get("name") or any(c.kind not in ANONYMOUS_KINDS for c in attached)):
        changes["anonymous"] = False
    if not changes:
        return
    changes["updated_at"] = now
    Customer.objects.filter(pk=customer.pk).update(**changes)
    for name, value in changes.items():
        setattr(customer, name, value)


# --- the batch path --------------------------------------------------------------------------


def do_identify_many(*, requests: Iterable[IdentifyRequest | Mapping[str, Any]], actor: Principal = SYSTEM) -> list[IdentifyResult]:
    """Resolve many identify calls at once, with the outcome of calling do_identify for each in turn.

    Requests that touch no known identifier and no other request of the batch are created in bulk;
    returning customers are recognised from one query; anything else (merges, attachments,
    requests depending on an earlier one of the batch) goes through do_identify one by one.
    """
    parsed: list[tuple[str, list[Claim], Traits]] = []
    for index, request in enumerate(requests):
        channel = check_contact_channel_name(_get(request, "channel"), f"requests.{index}.channel")
        claims = check_identities(_get(request, "identities"), channel, prefix=f"requests.{index}.identities")
        parsed.append((channel, claims, check_traits(_get(request, "traits"))))
    if not parsed:
        return []
    now = clock.now()
    found = _lookup_many([c for _ch, claims, _t in parsed for c in claims])

    results: list[IdentifyResult | None] = [None] * len(parsed)
    creates: list[int] = []
    seen_before: set[tuple[str, str]] = set()
    returning: dict[int, list[Claim]] = {}
    for index, (_channel, claims, traits) in enumerate(parsed):
        keys = _batch_keys(claims)
        depends = bool(keys & seen_before)
        seen_before |= keys
        if depends:
            continue
        matches = [row for c in claims for row in _matches_for(c, found)]
        if not matches:
            creates.append(index)
            continue
        owners = {row.customer_id for row in matches}
        exact = all(c.key in found for c in claims)
        customer = matches[0].customer
        if len(owners) == 1 and exact and customer.merged_into_id is None and not _traits_fill(customer, traits):
            results[index] = IdentifyResult(customer=_identified(customer))
            returning[index] = claims

    if creates:
        _create_many(parsed, creates, results, now)
    if returning:
        _touch_many(returning, found, now)
    for index, (channel, claims, traits) in enumerate(parsed):
        if results[index] is None:
            results[index] = _resolve(channel, claims, traits, actor).result()
    return results  # type: ignore[return-value]


def _batch_keys(claims: list[Claim]) -> set[tuple[str, str]]:
    keys = set()
    for c in claims:
        keys.add(("phone", c.value) if c.kind in PHONE_KINDS else c.key)
    return keys


def _lookup_many(claims: list[Claim], chunk: int = 900) -> dict[tuple[str, str], _Found]:
    found: dict[tuple[str, str], _Found] = {}
    for start in range(0, len(claims), chunk):
        found.update(_lookup(claims[start:start + chunk]))
    return found


def _traits_fill(customer: Customer, traits: Traits) -> bool:
    return bool(
        (traits.name and not customer.name) or (traits.language and not customer.language)
        or (traits.time_zone and not customer.time_zone) or (traits.address and not customer.address_line1)
    )


def _create_many(parsed, creates: list[int], results: list, now) -> None:
    customers = [_new_customer(parsed[i][2], parsed[i][1], now) for i in creates]
    pairs = list(zip(customers, creates, strict=True))
    try:
        with transaction.atomic():
            # the customers, their identities and their "created" entries in ONE statement on PostgreSQL
            # (core.rows.insert_linked: the ORM composed three, the lane's costliest part; issue 23)
            core_rows.insert_linked(
                customers,
                [_identity(customer, parsed[i][0], c, now) for customer, i in pairs for c in parsed[i][1]],
                [_created_event(customer, parsed[i][0], parsed[i][1], now) for customer, i in pairs],
            )
    except IntegrityError:
        return  # a concurrent writer took one of the identifiers: these go one by one instead
    emit_all([CustomerCreated(customer.public_id, parsed[i][0], sorted({c.kind for c in parsed[i][1]}))
              for customer, i in zip(customers, creates, strict=True)])
    for customer, i in zip(customers, creates, strict=True):
        results[i] = IdentifyResult(customer=_identified(customer), created=True)


def _touch_many(returning: dict[int, list[Claim]], found: dict[tuple[str, str], _Found], now) -> None:
    stale, upgrade = set(), set()
    for claims in returning.values():
        for claim in claims:
            row = found[claim.key]
            if claim.verified and not row.verified:
                upgrade.add(row.pk)
            elif now - row.last_seen_at >= SEEN_EVERY:
                stale.add(row.pk)
    if upgrade:
        Identity.objects.filter(pk__in=upgrade).update(verified=True, last_seen_at=now)
    if stale - upgrade:
        Identity.objects.filter(pk__in=stale - upgrade).update(last_seen_at=now)

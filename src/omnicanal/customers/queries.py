"""Reads of the customers domain, for other domains, the API and the console (no writes).

Every read by id follows aliases: an id merged into another answers the survivor.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext

from omnicanal.core import clock, labels
from omnicanal.core.errors import NotFound
from omnicanal.core.money import Money
from omnicanal.customers import birthdays, contact_hours, matching, registry, timeline_texts
from omnicanal.customers.models import (
    Consent,
    ContactChannel,
    Customer,
    Identity,
    IdentityKind,
    MergeRecord,
    MergeSuggestion,
    Purpose,
    SavedAddress,
    SuggestionStatus,
    TimelineEvent,
)
from omnicanal.customers.normalize import PHONE_KINDS, contact_channel, phone_digits, try_normalize

_MAX_HOPS = 10
# Which identity kinds reach a person on each contact channel, best first.
CHANNEL_KINDS = {
    "email": ["email"], "sms": ["phone", "whatsapp"], "voice": ["phone", "whatsapp"], "whatsapp": ["whatsapp", "phone"],
    "telegram": ["telegram"], "webchat": ["webchat"], "push": ["app_device"], "instagram": ["instagram"],
    "facebook": ["facebook"],
}


def get_customer(customer_id: str) -> Customer:
    """The customer for a public id, following aliases to the survivor; NotFound otherwise."""
    customer = Customer.objects.filter(public_id=customer_id).first() if isinstance(customer_id, str) else None
    if customer is None:
        raise NotFound(detail=f"No customer {customer_id}.")
    hops = 0
    while customer.merged_into_id is not None and hops < _MAX_HOPS:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        hops += 1
    return customer


def resolve_id(customer_id: str) -> str:
    """The survivor's public id for any id it ever had; NotFound otherwise. A customer never merged
    (nearly all) costs one narrow query and no model: it runs per inbound message (feedback) and per
    order."""
    merged_into = list(Customer.objects.filter(public_id=customer_id).values_list("merged_into_id", flat=True)[:1]
                       ) if isinstance(customer_id, str) else []
    if not merged_into:
        raise NotFound(detail=f"No customer {customer_id}.")
    return customer_id if merged_into[0] is None else get_customer(customer_id).public_id


def find_by_identity(kind: str, value: str) -> Customer | None:
    """The customer holding an identifier, given in any format (a phone under either phone kind)."""
    normalized = try_normalize(kind, value)
    if normalized is None:
        return None
    kinds = sorted(PHONE_KINDS) if kind in PHONE_KINDS else [kind]
    row = (
        Identity.objects.select_related("customer").filter(value=normalized, kind__in=kinds)
        .order_by("kind" if kind != "whatsapp" else "-kind").first()
    )
    if row is None:
        return None
    return get_customer(row.customer.public_id) if row.customer.merged_into_id else row.customer


# --- search ----------------------------------------------------------------------------------

_ID = re.compile(r"^cus_[0-9a-z]{26}$")


def search(q: str, *, limit: int = 25) -> list[Customer]:
    """Customers by any identity in any format, by id, or by part of the name (accents ignored)."""
    q = (q or "").strip()
    base = Customer.objects.filter(merged_into__isnull=True)
    if not q:
        return list(base.order_by("-created_at")[:limit])
    if _ID.match(q):
        try:
            return [get_customer(q)]
        except NotFound:
            return []
    matches: dict[int, Customer] = {}
    identity_filter = Q(value=q)
    for kind in ("phone", "email"):
        normalized = try_normalize(kind, q)
        if normalized:
            identity_filter |= Q(value=normalized)
    digits = phone_digits(q)
    if len(digits) >= 6 and len(digits) >= len(q.replace(" ", "")) - 3:  # a partial phone number
        identity_filter |= Q(kind__in=PHONE_KINDS, value__endswith=digits[-8:]) | Q(kind__in=PHONE_KINDS, value__contains=digits)
    if "@" in q:
        identity_filter |= Q(kind="email", value__contains=q.lower())
    owners = Identity.objects.filter(identity_filter).values_list("customer_id", flat=True)[: limit * 2]
    for customer in Customer.objects.filter(pk__in=list(owners)):
        survivor = customer if customer.merged_into_id is None else get_customer(customer.public_id)
        matches[survivor.pk] = survivor
    tokens = matching.fold(q).split()
    if tokens and len(matches) < limit:
        by_name = base.exclude(pk__in=list(matches))
        for token in tokens[:5]:
            by_name = by_name.filter(name_key__contains=token)
        for customer in by_name.order_by("name_key")[: limit - len(matches)]:
            matches[customer.pk] = customer
    return list(matches.values())[:limit]


def identities_by_customer(customer_pks: list[int]) -> dict[int, list[Identity]]:
    rows = Identity.objects.filter(customer_id__in=customer_pks).order_by("kind", "first_seen_at")
    grouped: dict[int, list[Identity]] = {pk: [] for pk in customer_pks}
    for row in rows:
        grouped[row.customer_id].append(row)
    return grouped


# --- summaries: what other domains (orders, loyalty, conversations, channels, the storefront) read ---


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2, "" when unknown


@dataclass(frozen=True)
class IdentityInfo:
    """One identifier of a customer as other domains see it (never the Identity row)."""

    kind: str
    value: str  # normalized: E.164 for phones, lower-case for emails
    verified: bool
    label: str = field(default="", compare=False)  # the kind in the reader's language ("Teléfono"), for pages


@dataclass(frozen=True)
class CustomerSummary:
    """A customer as other domains see it: the survivor of any merge, never the model row. Holds
    what a console panel, a notification or a shop's account page shows."""

    id: str  # the public id (cus_…) of the survivor
    name: str  # "" when unknown (an anonymous visitor) or erased
    email: str | None  # the best email identity: verified first, then the most recently seen
    phone: str | None  # the best phone (E.164), from a phone or WhatsApp identity
    language: str  # "es", "en"…; "" when unknown
    time_zone: str  # "" when unknown (the business's zone applies)
    preferred_channels: tuple[tuple[str, str], ...]  # (purpose, channel) pairs the customer chose
    address: PostalAddress | None
    created_at: dt.datetime
    anonymous: bool  # only anonymous ids (web chat, app device) and no name known yet
    erased: bool  # personal data erased on request; orders keep their totals
    preferred_store: str = ""  # a location code the customer chose in the shop ("" none)

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0] if self.name else ""

    @property
    def preferred_channel(self) -> str | None:
        """The channel the customer prefers for transactional messages (order updates), if any."""
        return self.preferred_for(Purpose.TRANSACTIONAL)

    def preferred_for(self, purpose: str) -> str | None:
        return dict(self.preferred_channels).get(purpose)


_CONTACT_KINDS = ("email", *sorted(PHONE_KINDS))


def _best_contacts(customer_pks: list[int]) -> dict[int, dict[str, str]]:
    """{pk: {"email": value, "phone": value}}: verified first, then the most recently seen; a phone
    identity before a WhatsApp one. One query."""
    rows = (Identity.objects.filter(customer_id__in=customer_pks, kind__in=_CONTACT_KINDS)
            .order_by("customer_id", "-verified", "-last_seen_at").values_list("customer_id", "kind", "value", "verified"))
    best: dict[int, dict[str, tuple]] = {}
    for pk, kind, value, verified in rows:
        slot = "email" if kind == "email" else "phone"
        rank = (not verified, kind != "phone")  # rows come most recent first within a verified state
        held = best.setdefault(pk, {}).get(slot)
        if held is None or rank < held[0]:
            best[pk][slot] = (rank, value)
    return {pk: {slot: value for slot, (_rank, value) in slots.items()} for pk, slots in best.items()}


def _summary(customer: Customer, contacts: dict[str, str]) -> CustomerSummary:
    preferred = customer.preferred_channels if isinstance(customer.preferred_channels, dict) else {}
    return CustomerSummary(
        id=customer.public_id, name=customer.name, email=contacts.get("email"), phone=contacts.get("phone"),
        language=customer.language, time_zone=customer.time_zone,
        preferred_channels=tuple(sorted((str(k), str(v)) for k, v in preferred.items() if v)),
        address=PostalAddress(line1=customer.address_line1, line2=customer.address_line2, city=customer.address_city,
                              region=customer.address_region, postal_code=customer.address_postal_code,
                              country=customer.address_country) if customer.address_line1 else None,
        created_at=customer.created_at, anonymous=customer.anonymous, erased=customer.erased_at is not None,
        preferred_store=customer.preferred_store,
    )


def customer_summary(customer_id: str) -> CustomerSummary:
    """The customer for any id they ever had (merged ids answer the survivor); NotFound otherwise."""
    customer = get_customer(customer_id)
    return _summary(customer, _best_contacts([customer.pk]).get(customer.pk, {}))


def customer_summaries(customer_ids: Iterable[str]) -> dict[str, CustomerSummary]:
    """{asked id: summary} for many ids in a few queries (queues, lists); unknown ids are left out,
    merged ids answer their survivor."""
    wanted = {c for c in customer_ids if isinstance(c, str) and c}
    found = {c.public_id: c for c in Customer.objects.filter(public_id__in=wanted)}
    for asked, customer in list(found.items()):
        if customer.merged_into_id is not None:  # rare: follow the aliases one by one
            found[asked] = get_customer(asked)
    contacts = _best_contacts([c.pk for c in found.values()])
    return {asked: _summary(c, contacts.get(c.pk, {})) for asked, c in found.items()}


def summary_by_identity(kind: str, value: str) -> CustomerSummary | None:
    """The customer holding an identifier given in any format, or None (find_by_identity's answer)."""
    customer = find_by_identity(kind, value)
    if customer is None:
        return None
    return _summary(customer, _best_contacts([customer.pk]).get(customer.pk, {}))


def identities_of(customer_id: str) -> list[IdentityInfo]:
    """Every identifier of the customer (the survivor's), by kind then first seen; NotFound otherwise."""
    customer = get_customer(customer_id)
    rows = Identity.objects.filter(customer=customer).order_by("kind", "first_seen_at")
    labels = dict(IdentityKind.choices)
    return [IdentityInfo(kind=r.kind, value=r.value, verified=r.verified, label=str(labels.get(r.kind, r.kind)))
            for r in rows]


def identities_by_id(customer_ids: Iterable[str]) -> dict[str, list[IdentityInfo]]:
    """{public id: its identifiers by kind then first seen} for many customers in one query; ids as
    given (no alias is followed: pass survivors, e.g. from customer_ids); unknown ids are left out."""
    rows = (Identity.objects.filter(customer__public_id__in=list(customer_ids)).order_by("kind", "first_seen_at")
            .values_list("customer__public_id", "kind", "value", "verified"))
    out: dict[str, list[IdentityInfo]] = {}
    for public_id, kind, value, verified in rows:
        out.setdefault(public_id, []).append(IdentityInfo(kind=kind, value=value, verified=verified))
    return out


def countable_profiles() -> dict[str, tuple[str, str]]:
    """{public id: (language, city)} of every customer not merged away nor erased, oldest first, in one
    query of three columns (marketing's segment population; the city as a summary's address gives it:
    "" without an address line)."""
    rows = (Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True).order_by("pk")
            .values_list("public_id", "language", "address_city", "address_line1"))
    return {public_id: (language, city if line1 else "") for public_id, language, city, line1 in rows}


def customer_ids(*, limit: int, newest_first: bool = False) -> list[str]:
    """Public ids of customers that are not merged away, oldest first (or newest first): demos and
    batch jobs of other domains that walk the customer base."""
    rows = Customer.objects.filter(merged_into__isnull=True).order_by("-created_at" if newest_first else "pk")
    return list(rows.values_list("public_id", flat=True)[:limit])


# --- contact -----------------------------------------------------------------------------------


def _effective_zone(customer: Customer, fallback: str = "") -> zoneinfo.ZoneInfo:
    """The customer's own zone, else `fallback` (a store's), else the business's; UTC at worst."""
    for name in (customer.time_zone, fallback, settings.OMNICANAL.get("TIME_ZONE", "UTC")):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def birth_date_of(customer_id: str) -> birthdays.BirthDate | None:
    """The customer's birth date (month, day, the year if given; `label()` in words), or None."""
    customer = get_customer(customer_id)
    return birthdays.of(customer.birth_month, customer.birth_day, customer.birth_year)


@dataclass(frozen=True)
class BirthdayToday:
    """A customer whose birthday it is at some instant, in their own time zone."""

    customer_id: str
    on: dt.date  # the local day it is celebrated (28 February for a leap-day birthday in a common year)


def birthdays_at(at: dt.datetime) -> list[BirthdayToday]:
    """Customers (survivors, not erased) whose birthday it is at `at` in their time zone (else the
    business's): one indexed query over the month/days the zones can be on."""
    days = {(at + dt.timedelta(days=shift)).date() for shift in (-1, 0, 1)}  # UTC−12…+14 lie within
    pairs = {(d.month, d.day) for d in days} | {(2, 29) for d in days if (d.month, d.day) == (2, 28)}
    match = Q(pk__in=[])
    for month, day in pairs:
        match |= Q(birth_month=month, birth_day=day)
    rows = Customer.objects.filter(match, merged_into__isnull=True, erased_at__isnull=True)
    found = []
    for customer in rows.only("public_id", "time_zone", "birth_month", "birth_day", "birth_year"):
        born = birthdays.of(customer.birth_month, customer.birth_day, customer.birth_year)
        local = at.astimezone(_effective_zone(customer)).date()
        if born is not None and born.birthday_in(local.year) == local:
            found.append(BirthdayToday(customer_id=customer.public_id, on=local))
    return found


def within_contact_hours(customer: Customer, at: dt.datetime) -> bool:
    if customer.contact_from is None or customer.contact_to is None:
        return True
    local = at.astimezone(_effective_zone(customer)).time()
    return contact_hours.within(local, customer.contact_from, customer.contact_to)


def may_contact(customer_id: str, channel: str, purpose: str, *, at: dt.datetime | None = None) -> bool:
    """May we send this customer a message of this purpose on this channel (now, or at `at`)?

    Marketing and surveys need an explicit grant on that channel; transactional messages may go
    unless withdrawn. An erased or unknown customer is never contacted. With `at`, messages other
    than transactional ones must also fall within the customer's contact hours.
    """
    channel = contact_channel(channel)
    if channel is None or purpose not in Purpose.values:
        return False
    try:
        customer = get_customer(customer_id)
    except NotFound:
        return False
    if customer.erased_at:
        return False
    granted = (
        Consent.objects.filter(customer=customer, channel=channel, purpose=purpose).values_list("granted", flat=True).first()
    )
    allowed = granted if granted is not None else purpose == Purpose.TRANSACTIONAL
    if allowed and at is not None and purpose != Purpose.TRANSACTIONAL:
        allowed = within_contact_hours(customer, at)
    return bool(allowed)


def quiet_until(customer_id: str, at: dt.datetime, *, zone: str = "") -> dt.datetime | None:
    """When the customer may next be reached for anything but a transactional message (marketing,
    surveys), held by the quiet hours and their own contact hours in their time zone (else `zone`,
    e.g. the store the message is about, else the business's); None while that is now. A message
    held is sent then, never dropped. NotFound for an unknown customer."""
    customer = get_customer(customer_id)
    return opens_at(_window_of(customer, zone), at)


def _window_of(customer: Customer, zone: str = "") -> ContactWindow:
    return contact_hours.window_for(time_zone=_effective_zone(customer, zone).key,
                                    contact_from=customer.contact_from, contact_to=customer.contact_to)


# When one customer may be reached (their zone, the quiet hours, their contact hours), as other domains name it.
ContactWindow = contact_hours.Window


def opens_at(window: ContactWindow, at: dt.datetime) -> dt.datetime | None:
    """quiet_until's answer for a window already read (a batch sender's `Reach.window`)."""
    return None if contact_hours.is_open(window, at) else contact_hours.next_open(window, at)


def reachable_on(customer_id: str, channel: str) -> str | None:
    """The identifier to send to on a contact channel (verified first), or None."""
    channel = contact_channel(channel)
    customer = get_customer(customer_id)
    kinds = CHANNEL_KINDS.get(channel or "", [])
    rows = list(Identity.objects.filter(customer=customer, kind__in=kinds).order_by("-verified", "-last_seen_at"))
    rows.sort(key=lambda r: (kinds.index(r.kind), not r.verified))
    return rows[0].value if rows else None


def consent_matrix(customer: Customer) -> list[dict[str, Any]]:
    """One row per contact channel with each purpose's state: granted, withdrawn or default."""
    stored = {(c.channel, c.purpose): c for c in Consent.objects.filter(customer=customer)}
    rows = []
    for channel, label in ContactChannel.choices:
        cells = []
        for purpose, purpose_label in Purpose.choices:
            consent = stored.get((channel, purpose))
            cells.append({
                "purpose": purpose, "purpose_label": purpose_label, "consent": consent,
                "granted": consent.granted if consent else purpose == Purpose.TRANSACTIONAL,
                "explicit": consent is not None,
            })
        rows.append({"channel": channel, "label": label, "cells": cells})
    return rows


@dataclass(frozen=True)
class ConsentState:
    """One cell of a customer's consent: may we write to them on `channel` for `purpose`?"""

    channel: str
    channel_label: str
    purpose: str
    purpose_label: str
    granted: bool  # the stored answer, else the default (transactional yes, the rest no)
    explicit: bool  # the customer (or staff) said so; False: the default applies
    changed_at: dt.datetime | None


def consent_states(customer_id: str, channels: Iterable[str] | None = None) -> list[ConsentState]:
    """The customer's consent per channel (all contact channels, or those given, in that order) and
    purpose, with the defaults may_contact applies where nothing was said."""
    customer = get_customer(customer_id)
    stored = {(c.channel, c.purpose): c for c in Consent.objects.filter(customer=customer)}
    labels = dict(ContactChannel.choices)
    wanted = [c for c in (channels or labels) if c in labels]
    out = []
    for channel in wanted:
        for purpose, purpose_label in Purpose.choices:
            row = stored.get((channel, purpose))
            out.append(ConsentState(
                channel=channel, channel_label=str(labels[channel]), purpose=purpose, purpose_label=str(purpose_label),
                granted=row.granted if row else purpose == Purpose.TRANSACTIONAL, explicit=row is not None,
                changed_at=row.changed_at if row else None))
    return out


def contact_channels() -> list[tuple[str, str]]:
    """(code, label) of every channel a customer may prefer or consent on."""
    return [(code, str(label)) for code, label in ContactChannel.choices]


# --- address book ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookAddress:
    """One entry of a customer's address book (customers.services.addresses)."""

    id: str  # adr_…
    label: str
    recipient: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    is_default: bool

    def as_delivery(self) -> dict[str, str]:
        """The address as orders' delivery takes it (API.md's Address)."""
        return {"line1": self.line1, "line2": self.line2, "city": self.city, "region": self.region,
                "postal_code": self.postal_code, "country": self.country}


def _book_address(row: SavedAddress) -> BookAddress:
    return BookAddress(id=row.public_id, label=row.label, recipient=row.recipient, line1=row.line1, line2=row.line2,
                       city=row.city, region=row.region, postal_code=row.postal_code, country=row.country,
                       is_default=row.is_default)


def address_book(customer_id: str) -> list[BookAddress]:
    """The customer's saved addresses, the default first, then oldest first."""
    customer = get_customer(customer_id)
    rows = SavedAddress.objects.filter(customer=customer).order_by("-is_default", "created_at", "pk")
    return [_book_address(row) for row in rows]


def book_address(customer_id: str, address_id: str) -> BookAddress:
    """One of the customer's own saved addresses; anyone else's (or none) is NotFound."""
    customer = get_customer(customer_id)
    row = SavedAddress.objects.filter(customer=customer, public_id=address_id).first()
    if row is None:
        raise NotFound(detail=gettext("No address %(id)s.") % {"id": address_id})
    return _book_address(row)


# --- timeline ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    type: str
    channel: str
    summary: str
    ref: str


def render_summary(event: TimelineEvent) -> str:
    """Our own event types read in the reader's language; other domains' summaries as written."""
    data = event.data or {}
    kinds = ", ".join(str(IdentityKind(k).label) for k in data.get("kinds", []) if k in IdentityKind.values)
    if event.type == "customer.created" and "kinds" in data:
        return gettext("Customer created via %(channel)s (%(kinds)s)") % {
            "channel": labels.label(labels.ANY_CHANNEL, event.channel), "kinds": kinds}
    if event.type == "identity.attached" and "kinds" in data:
        return gettext("New identities: %(kinds)s") % {"kinds": kinds}
    if event.type == "customer.merged" and "merged_id" in data:
        return gettext("Merged with %(id)s; its history is now here") % {"id": data["merged_id"]}
    if event.type in ("consent.granted", "consent.withdrawn") and "purpose" in data:
        params = {"channel": str(_label(ContactChannel, data["channel"])), "purpose": str(_label(Purpose, data["purpose"])),
                  "source": data.get("source", "")}
        if event.type == "consent.granted":
            return gettext("Consent granted: %(purpose)s on %(channel)s (%(source)s)") % params
        return gettext("Consent withdrawn: %(purpose)s on %(channel)s (%(source)s)") % params
    if data:
        return timeline_texts.render(event.type, data, event.summary)
    return event.summary


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def timeline(
    customer_id: str, *, channel: str | None = None, type: str | None = None, limit: int = 100,  # noqa: A002
    before: dt.datetime | None = None, principal: Any = None,
) -> list[TimelineItem]:
    """The customer's events in every channel, newest first; filter by channel and type (a type
    ending in "." or a bare prefix like "order" matches "order.placed", "order.paid"…). Events
    naming an order `principal` may not see (a clerk: another store's) are left out."""
    customer = get_customer(customer_id)
    events = TimelineEvent.objects.filter(customer=customer)
    if channel:
        events = events.filter(channel=channel)
    if type:
        events = events.filter(Q(type=type) | Q(type__startswith=type.rstrip(".") + "."))
    if before is not None:
        events = events.filter(at__lt=before)
    rows = list(events.order_by("-at", "-id")[:limit])
    hidden = registry.hidden_order_refs(principal, {e.ref for e in rows}) if principal is not None else set()
    return [
        TimelineItem(at=e.at, type=e.type, channel=e.channel, summary=render_summary(e), ref=e.ref)
        for e in rows if not (e.ref and e.ref in hidden)
    ]


def timeline_facets(customer: Customer) -> dict[str, list[str]]:
    events = TimelineEvent.objects.filter(customer=customer)
    return {
        "channels": sorted(c for c in events.values_list("channel", flat=True).distinct() if c),
        "types": sorted(set(events.values_list("type", flat=True).distinct())),
    }


# --- the single customer view -------------------------------------------------------------------


def identity_dict(row: Identity) -> dict[str, Any]:
    return {
        "kind": row.kind, "value": row.value, "verified": row.verified, "source_channel": row.source_channel,
        "first_seen": row.first_seen_at, "last_seen": row.last_seen_at,
    }


def consent_dict(row: Consent) -> dict[str, Any]:
    return {"channel": row.channel, "purpose": row.purpose, "granted": row.granted, "source": row.source,
            "proof": row.proof, "changed_at": row.changed_at}


def preferences_dict(customer: Customer) -> dict[str, Any]:
    return {
        "language": customer.language or None,
        "preferred_channels": customer.preferred_channels or {},
        "contact_hours": {"from": customer.contact_from.isoformat(timespec="minutes"),
                          "to": customer.contact_to.isoformat(timespec="minutes")}
        if customer.contact_from and customer.contact_to else None,
        "time_zone": customer.time_zone or settings.OMNICANAL.get("TIME_ZONE"),
        "birth_date": born.iso() if (born := birthdays.of(customer.birth_month, customer.birth_day,
                                                         customer.birth_year)) else None,
    }


def address_dict(customer: Customer) -> dict[str, str] | None:
    if not customer.address_line1:
        return None
    return {
        "line1": customer.address_line1, "line2": customer.address_line2, "city": customer.address_city,
        "region": customer.address_region, "postal_code": customer.address_postal_code,
        "country": customer.address_country,
    }


def empty_loyalty() -> dict[str, Any]:
    return {"points": 0, "stored_value": Money.zero().as_dict()}


def sections(customer_id: str, principal: Any = None) -> dict[str, Any]:
    """What later domains add to the single view (through registry summary providers); `principal`
    is the reader (a clerk sees only their stores' orders)."""
    return {
        "loyalty": registry.summary("loyalty_summary", customer_id, empty_loyalty(), principal=principal),
        "cart": registry.summary("cart", customer_id, None, principal=principal),
        "recent_orders": registry.summary("recent_orders", customer_id, [], principal=principal),
        "open_conversation": registry.summary("open_conversation", customer_id, None, principal=principal),
    }


def single_view(customer: Customer, principal: Any = None) -> dict[str, Any]:
    identities = Identity.objects.filter(customer=customer).order_by("kind", "first_seen_at")
    consents = Consent.objects.filter(customer=customer).order_by("channel", "purpose")
    return {
        "id": customer.public_id,
        "name": customer.name,
        "created_at": customer.created_at,
        "erased": customer.erased_at is not None,
        "address": address_dict(customer),
        "preferences": preferences_dict(customer),
        "identities": [identity_dict(i) for i in identities],
        "consents": [consent_dict(c) for c in consents],
        "aliases": list(Customer.objects.filter(merged_into=customer).values_list("public_id", flat=True)),
        **sections(customer.public_id, principal),
    }


# --- suggestions and merges ------------------------------------------------------------------------


def open_suggestions(*, customer: Customer | None = None, limit: int = 50) -> list[MergeSuggestion]:
    rows = MergeSuggestion.objects.filter(status=SuggestionStatus.OPEN).select_related("customer_a", "customer_b")
    if customer is not None:
        rows = rows.filter(Q(customer_a=customer) | Q(customer_b=customer))
    return list(rows.order_by("-score", "created_at")[:limit])


def count_open_suggestions() -> int:
    return MergeSuggestion.objects.filter(status=SuggestionStatus.OPEN).count()


def suggestion_reason_labels(suggestion: MergeSuggestion) -> list[str]:
    labels = {
        "email_variant": gettext("the same email written differently"),
        "phone_variant": gettext("the same phone number under another channel"),
        "similar_name": gettext("similar names"),
        "same_address": gettext("the same address"),
        "shared_identity": gettext("identifiers given together on one channel, not verified"),
        "identity_given_by_other": gettext("one gave the other's email or phone (e.g. for a receipt), not verified"),
    }
    return [labels.get(r.get("code"), r.get("code", "")) for r in suggestion.reasons or []]


def merge_history(customer: Customer) -> list[MergeRecord]:
    return list(MergeRecord.objects.filter(survivor=customer).select_related("merged").order_by("-at"))


# --- export ----------------------------------------------------------------------------------------


def export_data(customer: Customer) -> dict[str, Any]:
    """Everything held about the person here and, through registry.on_export, in every domain."""
    people = [customer, *Customer.objects.filter(merged_into=customer)]
    events = TimelineEvent.objects.filter(customer=customer).order_by("at", "id")
    return {
        "exported_at": clock.now(),
        "customer": {
            "id": customer.public_id, "name": customer.name, "created_at": customer.created_at,
            "erased_at": customer.erased_at, "address": address_dict(customer),
            "preferences": preferences_dict(customer),
        },
        "aliases": [{"id": c.public_id, "name": c.name, "merged_at": c.merged_at} for c in people[1:]],
        "identities": [identity_dict(i) for i in Identity.objects.filter(customer=customer).order_by("kind")],
        "consents": [consent_dict(c) for c in Consent.objects.filter(customer=customer).order_by("channel", "purpose")],
        "addresses": [{"label": a.label, "recipient": a.recipient, **a.as_delivery(), "is_default": a.is_default}
                      for a in address_book(customer.public_id)],
        "timeline": [{"at": e.at, "type": e.type, "channel": e.channel, "summary": render_summary(e), "ref": e.ref}
                     for e in events],
        "merges": [{"merged_id": r.merged.public_id, "at": r.at, "reason": r.reason, "moved": r.moved}
                   for r in merge_history(customer)],
        "domains": {section: hook(customer.public_id) for section, hook in sorted(registry.export_hooks().items())},
    }


def granted_channels(customer_ids: Iterable[str] | None, purpose: str) -> dict[str, frozenset[str]]:
    """{customer id: the channels where they granted `purpose`} in one query (segments count many
    customers; `may_contact` remains the check before any send: it also weighs erasure and hours).
    None: every customer with a grant (the others are left out)."""
    wanted = None if customer_ids is None else [c for c in customer_ids if c]
    out: dict[str, set[str]] = {c: set() for c in wanted or ()}
    rows = Consent.objects.filter(purpose=purpose, granted=True, customer__erased_at__isnull=True)
    if wanted is not None:
        rows = rows.filter(customer__public_id__in=wanted)
    for customer_id, channel in rows.values_list("customer__public_id", "channel"):
        out.setdefault(customer_id, set()).add(channel)
    return {c: frozenset(found) for c, found in out.items()}


@dataclass(frozen=True)
class Reach:
    """How a batch sender may reach one customer for a purpose: what `granted_channels`,
    `reachable_on` and `quiet_until` answer one by one, read for many customers at once."""

    granted: frozenset[str]  # channels with an explicit grant of the purpose (none once erased)
    addresses: dict[str, str]  # channel → the identifier to send to (reachable_on's choice)
    window: ContactWindow  # when they may be reached: `opens_at(window, at)`


def reach_many(customer_ids: Iterable[str], purpose: str, channels: Iterable[str]) -> dict[str, Reach]:
    """{public id: Reach} in three queries (a campaign's chunk of a thousand customers); ids as given
    (no alias is followed: pass survivors); unknown ids are left out. `may_contact` stays the rule:
    this is the same consent read in bulk (an explicit grant, never after erasure)."""
    wanted = [c for c in customer_ids if c]
    people = {c.public_id: c for c in Customer.objects.filter(public_id__in=wanted)
              .only("pk", "public_id", "erased_at", "time_zone", "contact_from", "contact_to")}
    granted = granted_channels(list(people), purpose)
    addresses = _addresses_many({c.public_id: c.pk for c in people.values()}, channels)
    return {public_id: Reach(granted=granted.get(public_id, frozenset()), addresses=addresses[public_id],
                             window=_window_of(customer))
            for public_id, customer in people.items()}


def _addresses_many(people: dict[str, int], channels: Iterable[str]) -> dict[str, dict[str, str]]:
    """{public id: {channel: reachable_on's choice}} for customers given as {public id: pk}, one query."""
    wanted_channels = {c: contact_channel(c) for c in channels}
    kinds = {k for c in wanted_channels.values() for k in CHANNEL_KINDS.get(c or "", [])}
    by_pk: dict[int, list[Identity]] = {}
    for row in (Identity.objects.filter(customer_id__in=list(people.values()), kind__in=kinds)
                .order_by("-verified", "-last_seen_at")):
        by_pk.setdefault(row.customer_id, []).append(row)
    out: dict[str, dict[str, str]] = {}
    for public_id, pk in people.items():
        addresses = out[public_id] = {}
        for channel, contact in wanted_channels.items():
            order = CHANNEL_KINDS.get(contact or "", [])
            rows = sorted((r for r in by_pk.get(pk, []) if r.kind in order),
                          key=lambda r: (order.index(r.kind), not r.verified))  # stable: recency kept
            if rows:
                addresses[channel] = rows[0].value
    return out


@dataclass(frozen=True)
class Contactable:
    """What `may_contact` (without hours) and `reachable_on` answer for one customer, read in bulk."""

    allowed: frozenset[str]  # the channels a message of the purpose may go on
    addresses: dict[str, str]  # channel → the identifier to send to


def contactable_many(customer_ids: Iterable[str], purpose: str, channels: Iterable[str]) -> dict[str, Contactable]:
    """{public id: Contactable} in three queries (a batch of notifications): `may_contact`'s rule
    without the hours (an explicit answer on the channel wins; with none, only transactional messages
    may go; never to an erased customer) and `reachable_on`'s address. Unknown and merged ids are
    left out (ask `may_contact` and `reachable_on` for them: they follow the alias to the survivor)."""
    wanted = [c for c in customer_ids if c]
    channels = list(channels)
    people = {c.public_id: c for c in Customer.objects.filter(public_id__in=wanted, merged_into__isnull=True)
              .only("pk", "public_id", "erased_at")}
    answers = {(pk, channel): granted for pk, channel, granted in Consent.objects.filter(
        customer_id__in=[c.pk for c in people.values() if not c.erased_at], purpose=purpose).values_list(
        "customer_id", "channel", "granted")}
    addresses = _addresses_many({c.public_id: c.pk for c in people.values()}, channels)
    out = {}
    for public_id, customer in people.items():
        allowed = set()
        for channel in channels:
            contact = contact_channel(channel)
            if customer.erased_at or contact is None or purpose not in Purpose.values:
                continue
            if answers.get((customer.pk, contact), purpose == Purpose.TRANSACTIONAL):
                allowed.add(channel)
        out[public_id] = Contactable(allowed=frozenset(allowed), addresses=addresses[public_id])
    return out

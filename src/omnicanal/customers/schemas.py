"""What the customers API answers (issue 14 item 6): one `Out` schema per answer, describing the
dicts queries.py builds (`single_view`, `consent_dict`, `preferences_dict`, `export_data`) field by
field. Times are datetimes (written as ISO 8601 by the API's encoder, as before). The sections other
domains add to the single view and the export (loyalty, cart, recent orders, open conversation, each
domain's export) are theirs: they stay open objects here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import create_model

from omnicanal.core.schemas import Out


class IdentifyOut(Out):
    customer_id: str
    created: bool
    merged_ids: list[str]
    suggestion_ids: list[str] = []


class IdentitySummaryOut(Out):
    kind: str
    value: str
    verified: bool


class CustomerSummaryOut(Out):
    id: str
    name: str
    created_at: dt.datetime
    identities: list[IdentitySummaryOut]


class CustomerPageOut(Out):
    items: list[CustomerSummaryOut]


class SuggestionOut(Out):
    id: str
    customer_a: str
    customer_b: str
    score: int
    reasons: list[str | None]  # reason codes (email_variant, similar_name, ...)
    created_at: dt.datetime


class SuggestionPageOut(Out):
    items: list[SuggestionOut]


class SuggestionDecisionOut(Out):
    id: str
    status: str


class IdentityOut(Out):
    kind: str
    value: str
    verified: bool
    source_channel: str
    first_seen: dt.datetime
    last_seen: dt.datetime


class ConsentOut(Out):
    channel: str
    purpose: str
    granted: bool
    source: str
    proof: str | None  # null for an integration key without `customers-pii`
    changed_at: dt.datetime


# `from` is a Python keyword: the schema is made by name.
ContactHoursOut = create_model("ContactHoursOut", __base__=Out, **{"from": (str, ...), "to": (str, ...)})


class PreferencesOut(Out):
    language: str | None
    preferred_channels: dict[str, str]
    contact_hours: ContactHoursOut | None  # type: ignore[valid-type]
    time_zone: str | None
    birth_date: str | None = None  # 1990-05-17, or --05-17 without the year


class CustomerAddressOut(Out):
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


class CustomerOut(Out):
    """The single customer view; `loyalty`, `cart`, `recent_orders` and `open_conversation` are
    what the loyalty, orders and conversations domains report about the customer."""

    id: str
    name: str
    created_at: dt.datetime
    erased: bool
    address: CustomerAddressOut | None
    preferences: PreferencesOut
    identities: list[IdentityOut]
    consents: list[ConsentOut]
    aliases: list[str]
    loyalty: dict[str, Any]
    cart: dict[str, Any] | None
    recent_orders: list[dict[str, Any]]
    open_conversation: dict[str, Any] | None


class TimelineItemOut(Out):
    at: dt.datetime
    type: str
    channel: str
    summary: str
    ref: str


class TimelineOut(Out):
    items: list[TimelineItemOut]


class ExportCustomerOut(Out):
    id: str
    name: str
    created_at: dt.datetime
    erased_at: dt.datetime | None
    address: CustomerAddressOut | None
    preferences: PreferencesOut


class ExportAliasOut(Out):
    id: str
    name: str
    merged_at: dt.datetime | None


class ExportMergeOut(Out):
    merged_id: str
    at: dt.datetime
    reason: str
    moved: dict[str, Any]


class SavedAddressOut(Out):
    """An entry of the address book (its default is also the profile's `address`)."""

    label: str
    recipient: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    is_default: bool


class ExportOut(Out):
    """Everything held about the person; `domains` is each domain's own export, by name."""

    exported_at: dt.datetime
    customer: ExportCustomerOut
    aliases: list[ExportAliasOut]
    identities: list[IdentityOut]
    consents: list[ConsentOut]
    addresses: list[SavedAddressOut]
    timeline: list[TimelineItemOut]
    merges: list[ExportMergeOut]
    domains: dict[str, Any]


class ErasedOut(Out):
    id: str
    erased: bool
    erased_at: dt.datetime

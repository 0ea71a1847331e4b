"""A segment taken out of the platform: the plain export (CSV of the members, for the marketer) and
the ad audiences (hashed customer-match CSVs for Google Ads and Meta). Both read personal data in
bulk, so each download is one audit entry (who, when, which segment, how many rows; never a value).

Ad audiences carry only consented identifiers: an email when the customer granted marketing on
email, a phone when they granted it on SMS or WhatsApp; a customer with neither is left out.
Normalised then SHA-256 (hex, lower case), per each platform's documented format:

| platform | columns | email | phone |
|---|---|---|---|
| google (Customer Match) | Email, Phone | trimmed, lower case | E.164 with the "+" |
| meta (custom audience file) | EMAIL, PHONE | trimmed, lower case | E.164 digits only (country code, no "+") |
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import audit
from omnicanal.core.auth import Principal
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.marketing import queries

PLATFORMS = {"google": ("Email", "Phone"), "meta": ("EMAIL", "PHONE")}
PHONE_CONSENT = ("sms", "whatsapp")
EXPORT_COLUMNS = ("customer_id", "name", "email", "phone", "language", "city", "marketing_consent")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_phone(phone: str, platform: str) -> str:
    """E.164 (+ and digits) for Google, its digits for Meta; "" when it has no digits."""
    digits = "".join(c for c in phone if c.isdigit()).lstrip("0")
    if not digits:
        return ""
    return f"+{digits}" if platform == "google" else digits


@dataclass(frozen=True)
class Download:
    filename: str
    content: str
    rows: int


def _members(segment_id: str) -> tuple[str, list[str]]:
    row = queries.get_segment_row(segment_id)
    return row.public_id, queries.segment_members(queries.segment_rules(row.public_id))


def _csv(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _batches(ids: list[str], size: int = 1000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def do_export_segment(*, segment_id: str, actor: Principal) -> Download:
    """The segment's members now as CSV (id, name, best email and phone, language, city, channels
    with a marketing grant); audited."""
    public_id, members = _members(segment_id)
    rows = []
    for batch in _batches(members):
        summaries = customers.customer_summaries(batch)
        consents = customers.granted_channels(batch, "marketing")
        for cid in batch:
            s = summaries.get(cid)
            if s is None or s.erased:
                continue
            rows.append((s.id, s.name, s.email or "", s.phone or "", s.language,
                         s.address.city if s.address else "", " ".join(sorted(consents.get(cid, ())))))
    with transaction.atomic():
        audit.record(actor=actor, action="segment.export", target_type="segment", target_id=public_id,
                     after={"rows": len(rows)})
    return Download(filename=f"{public_id}.csv", content=_csv(EXPORT_COLUMNS, rows), rows=len(rows))


def audience_rows(members: list[str], platform: str) -> list[tuple[str, str]]:
    """(hashed email, hashed phone) per consented member with at least one consented identifier."""
    rows = []
    for batch in _batches(members):
        summaries = customers.customer_summaries(batch)
        consents = customers.granted_channels(batch, "marketing")
        for cid in batch:
            s, granted = summaries.get(cid), consents.get(cid, frozenset())
            if s is None or s.erased:
                continue
            email = normal_email(s.email) if s.email and "email" in granted else ""
            phone = normal_phone(s.phone, platform) if s.phone and granted & set(PHONE_CONSENT) else ""
            if email or phone:
                rows.append((sha256(email) if email else "", sha256(phone) if phone else ""))
    return rows


def do_export_audience(*, segment_id: str, platform: str, actor: Principal) -> Download:
    """The segment as a hashed customer-match file for `platform` (google, meta); audited."""
    if platform not in PLATFORMS:
        raise ValidationFailed.on("platform", _("must be google or meta"))
    public_id, members = _members(segment_id)
    rows = audience_rows(members, platform)
    with transaction.atomic():
        audit.record(actor=actor, action="segment.audience", target_type="segment", target_id=public_id,
                     after={"platform": platform, "rows": len(rows), "members": len(members),
                            "emails": sum(1 for e, _p in rows if e), "phones": sum(1 for _e, p in rows if p)})
    return Download(filename=f"{public_id}-{platform}.csv", content=_csv(PLATFORMS[platform], rows), rows=len(rows))

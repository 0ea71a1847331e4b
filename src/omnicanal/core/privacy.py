"""Finding a person's data where it was copied as text: the traces an erasure scrubs.

The customers domain gathers a person's former values (name, emails, phones, address lines) before
it erases them, and every domain scrubs its copies with `Traces`: ids are matched exactly, values
case-insensitively as whole words, and a phone in any writing (its last eight digits, any
separators between).
`do_scrub_core` scrubs core's own copies: stored Idempotency-Key answers, outbox payloads and
Django admin's change history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from omnicanal.core.models import IdempotencyRecord, OutboxEvent

PHONE_CHARS = re.compile(r"^\+?[\d\s.()-]+$")
SEPARATORS = r"[\s.()-]{0,3}"
ID_LIKE = re.compile(r"^[A-Za-z0-9][\w:.#/-]*$")
LONG_NUMBER = re.compile(r"\d{7,}")


def free_text(text: str) -> bool:
    """Whether a reference is free text (spaces, an @, a long number) rather than one of our ids
    or codes (`ord_…`, `AS-100001`, `return:ord_…:ret_…`)."""
    return bool(text) and (not ID_LIKE.match(text) or bool(LONG_NUMBER.search(text)))


def id_or_blank(text: str) -> str:
    """A reference fit for the audit log: one of our ids or codes, else nothing."""
    return "" if free_text(text) else text


class Traces:
    """A person's ids and former values, and the tests for text holding any of them."""

    def __init__(self, ids: Iterable[str], values: Iterable[str]):
        self.ids = sorted({i for i in ids if i})
        cleaned = {v.strip() for v in values if v and len(v.strip()) >= 3}
        patterns: list[str] = []
        needles: set[str] = set()
        for value in sorted(cleaned, key=len, reverse=True):
            digits = re.sub(r"\D", "", value)
            if PHONE_CHARS.match(value) and len(digits) >= 8:
                patterns.append(SEPARATORS.join(digits[-8:]))
                needles.update({digits, digits[-8:], value})
            elif " " in value or "@" in value or len(value) >= 4:  # a lone short word matches too much
                patterns.append(r"(?<!\w)" + r"\s+".join(re.escape(part) for part in value.split()) + r"(?!\w)")
                needles.add(value)
        self.values = sorted(needles | {json.dumps(n)[1:-1] for n in needles})
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def touches(self, text: Any) -> bool:
        return isinstance(text, str) and self._pattern is not None and bool(self._pattern.search(text))

    def scrub_json(self, value: Any) -> Any:
        """Every string holding a trace blanked, at any depth."""
        if isinstance(value, str):
            return "" if self.touches(value) else value
        if isinstance(value, dict):
            return {key: self.scrub_json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        return value

    def q(self, *fields: str, ids: bool = False) -> Q:
        """Rows whose `fields` contain a value (or, with `ids`, an id): a superset; `touches` decides."""
        query = Q(pk__in=[])
        for field in fields:
            for needle in [*self.values, *(self.ids if ids else [])]:
                query |= Q(**{f"{field}__icontains": needle})
        return query


def do_scrub_core(traces: Traces) -> dict[str, int]:
    """Stored Idempotency-Key answers that name the person go (a retry after erasure runs afresh);
    outbox payloads keep their ids and lose every string holding one of the person's values."""
    answers = IdempotencyRecord.objects.filter(traces.q("key", "response_body", ids=True)).delete()[0]
    events = 0
    rows = OutboxEvent.objects.annotate(text=Cast("payload", TextField())).filter(traces.q("text", "last_error"))
    for event in rows:
        payload = traces.scrub_json(event.payload)
        error = "" if traces.touches(event.last_error) else event.last_error
        if payload != event.payload or error != event.last_error:
            OutboxEvent.objects.filter(pk=event.pk).update(payload=payload, last_error=error)
            events += 1
    return {"idempotency": answers, "outbox": events, "admin_log": _scrub_admin_log(traces)}


def _scrub_admin_log(traces: Traces) -> int:
    """Django admin's own history names the rows it changed (a customer's or message's text)."""
    if not apps.is_installed("django.contrib.admin"):
        return 0
    from django.contrib.admin.models import LogEntry

    scrubbed = 0
    for row in LogEntry.objects.filter(traces.q("object_repr", "change_message")):
        changes = {f: "" for f in ("object_repr", "change_message") if traces.touches(getattr(row, f))}
        if changes:
            scrubbed += LogEntry.objects.filter(pk=row.pk).update(**changes)
    return scrubbed

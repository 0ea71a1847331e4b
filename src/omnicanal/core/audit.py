"""The append-only audit log: who moved money, points or stock, or read personal data in bulk.

Three guards: the model refuses save-after-create and delete, its queryset refuses update and
delete, and database triggers refuse UPDATE and DELETE (migration 0002). Entries hold ids, never
personal data, so that erasing a customer never needs to touch them:

- `before` and `after` hold ids, codes, amounts and field names (never a name, email, phone or
  address value); any string shaped like an email or a phone number is masked on the way in;
- a free-text `reason` about a person (pass `subject=` their customer id) is kept beside the entry
  in an `AuditNote`, which erasing that person deletes (`forget_subjects`); a reason without a
  subject stays in the entry, masked the same way.

SQLite's DELETE trigger asks a per-connection SQL function whether a purge is allowed; only the test
harness's table flush turns it on (PostgreSQL flushes with TRUNCATE, which row triggers ignore).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.backends.signals import connection_created

from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.models import AuditEntry, AuditNote

_purge_allowed = False

EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number (or a national id): 8+ digits, a leading + and spaces, dots, dashes or brackets
# between them allowed; dates and plain numbers (amounts, counts) are left alone.
PHONE_LIKE = re.compile(r"\+?\(?\d(?:[\s.()-]{0,2}\d){7,}")
NOT_A_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}.*|\d+(?:\.\d+)?")
MASK_EMAIL = "[email]"
MASK_PHONE = "[phone]"


def _phone(match: re.Match, *, long_numbers: bool) -> str:
    found = match.group(0)
    if "+" in found or not NOT_A_PHONE.fullmatch(found):
        return MASK_PHONE
    return MASK_PHONE if long_numbers and found.isdigit() and len(found) >= 9 else found


def mask(text: str, *, long_numbers: bool = True) -> str:
    """The text with anything shaped like an email address or a phone number masked (in free text
    a bare run of 9+ digits counts as a phone; in before/after values it is an amount)."""
    text = EMAIL_LIKE.sub(MASK_EMAIL, text)
    return PHONE_LIKE.sub(lambda match: _phone(match, long_numbers=long_numbers), text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value, long_numbers=False)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return value


def record(
    *,
    actor: Principal,
    action: str,
    target_type: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    subject: str = "",
) -> AuditEntry:
    """Append one entry. `subject`: the customer the entry is about; their free-text `reason` goes
    to an erasable AuditNote instead of the entry."""
    entry = AuditEntry.objects.create(
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=_masked(before),
        after=_masked(after),
        reason="" if subject else mask(reason),
    )
    if subject and reason:
        AuditNote.objects.create(entry=entry, subject_id=subject, text=mask(reason))
    return entry


def reason_of(entry: AuditEntry) -> str:
    """The entry's reason, wherever it is kept (in the entry, or in its note until erasure)."""
    note = AuditNote.objects.filter(entry=entry).first()
    return note.text if note is not None else entry.reason


def forget_subjects(subject_ids: Iterable[str]) -> int:
    """Erasure: the free-text notes about these people go; their entries (ids only) stay."""
    return AuditNote.objects.filter(subject_id__in=list(subject_ids)).delete()[0]


def allow_purge_for_tests(allowed: bool) -> None:
    global _purge_allowed
    _purge_allowed = allowed


def _purge_allowed_sql() -> int:
    return 1 if _purge_allowed else 0


def _register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("omnicanal_audit_purge_allowed", 0, _purge_allowed_sql)


def install_sqlite_guard() -> None:
    connection_created.connect(_register_sqlite_function, dispatch_uid="omnicanal_audit_sqlite_guard")

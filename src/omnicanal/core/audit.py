"""The append-only audit log: who moved money, points or stock, or read personal data in bulk.

Three guards: the model refuses save-after-create and delete, its queryset refuses update and
delete, and database triggers refuse UPDATE and DELETE (migration 0002). Entries hold ids, never
personal data, so that erasing a customer never needs to touch them.

SQLite's DELETE trigger asks a per-connection SQL function whether a purge is allowed; only the test
harness's table flush turns it on (PostgreSQL flushes with TRUNCATE, which row triggers ignore).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created

from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.models import AuditEntry

_purge_allowed = False


def record(
    *,
    actor: Principal,
    action: str,
    target_type: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        reason=reason,
    )


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

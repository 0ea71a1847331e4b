"""Reads of the core domain: health and the machinery's state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model, QuerySet

from omnicanal.core import clock
from omnicanal.core.errors import NotFound
from omnicanal.core.models import IdempotencyRecord, OutboxEvent, OutboxStatus, WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)
M = TypeVar("M", bound=Model)


def get_or_404(rows: QuerySet[M], detail: str, **lookup) -> M:
    """The first row of `rows` matching `lookup`, else NotFound (404) saying `detail`: the one
    get-or-404 of every domain's queries."""
    found = rows.filter(**lookup).first()
    if found is None:
        raise NotFound(detail=detail)
    return found


@dataclass(frozen=True)
class Health:
    database: bool
    migrations: bool
    worker_seen_at: datetime | None
    pending_migrations: int = 0

    @property
    def worker_alive(self) -> bool:
        return self.worker_seen_at is not None and clock.now() - self.worker_seen_at < WORKER_STALE_AFTER

    @property
    def ok(self) -> bool:
        return self.database and self.migrations


def health() -> Health:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return Health(database=False, migrations=False, worker_seen_at=None)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    beat = WorkerHeartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first() if not plan else None
    return Health(database=True, migrations=not plan, worker_seen_at=beat, pending_migrations=len(plan))


def outbox_counts() -> dict[str, int]:
    return {
        "pending": OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count(),
        "failed": OutboxEvent.objects.filter(status=OutboxStatus.FAILED).count(),
    }


def outbox_figures() -> dict[str, int]:
    """How many events the outbox holds and how many every handler has run for (invariants' counts)."""
    return {"events": OutboxEvent.objects.count(), "events_done": OutboxEvent.objects.filter(status=OutboxStatus.DONE).count()}


def outbox_problems(*, settled: bool = False) -> list[str]:
    """Every way the outbox could be wrong; [] when sound. A handler recorded twice on one event ran
    twice (its effect and its note commit together: a second note is a second effect). Once the
    system has settled (workers idle, nothing arriving), every event is done too."""
    # In the database: the outbox is the largest table, and all but a few rows pass.
    length, elements = (("jsonb_array_length", "jsonb_array_elements_text") if connection.vendor == "postgresql"
                        else ("json_array_length", "json_each"))
    distinct = "DISTINCT h" if connection.vendor == "postgresql" else "DISTINCT h.value"
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, topic, done_handlers FROM {table} WHERE {length}(done_handlers) > "  # noqa: S608 (no input)
                       f"(SELECT count({distinct}) FROM {elements}(done_handlers) h) ORDER BY id LIMIT 50")
        twice = cursor.fetchall()
    problems = []
    for pk, topic, handlers in twice:
        handlers = json.loads(handlers) if isinstance(handlers, str) else handlers
        again = sorted({h for h in handlers if handlers.count(h) > 1})
        problems.append(f"event {pk} ({topic}): handler ran twice: {', '.join(again)}")
    if settled:
        waiting = OutboxEvent.objects.exclude(status=OutboxStatus.DONE).values_list("pk", "topic", "status", "attempts")
        problems += [f"event {pk} ({topic}) is {status} after {attempts} attempt(s)"
                     for pk, topic, status, attempts in waiting.order_by("pk")[:50]]
    return problems


def idempotency_problems() -> list[str]:
    """Idempotency-Keys claimed and never answered; [] when sound. While requests run some are, by
    design; once the system has settled, each one is a request whose client never got an answer it
    could replay (its order lost or, retried under a new key, made twice)."""
    rows = IdempotencyRecord.objects.filter(completed=False).values_list("key", "owner", "created_at").order_by("pk")
    return [f"Idempotency-Key {key!r} claimed by {owner or 'nobody'} at {at.isoformat()}, never answered"
            for key, owner, at in rows[:50]]


def outbox_lag_seconds() -> float:
    """How long the oldest pending event has waited (0 when none waits): the relay's lag."""
    oldest = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).order_by("pk").values_list(
        "created_at", flat=True).first()
    return max((clock.now() - oldest).total_seconds(), 0.0) if oldest else 0.0


def worker_heartbeat_age_seconds() -> float:
    """Seconds since the worker's last heartbeat; -1 when it was never seen."""
    beat = WorkerHeartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    return max((clock.now() - beat).total_seconds(), 0.0) if beat else -1.0


@dataclass(frozen=True)
class SummaryReader:
    """A staff member who opted in to the weekly KPI summary (core.services.WEEKLY_SUMMARY_ROLES)."""

    user_id: int
    email: str
    role: str
    locations: tuple[str, ...]
    language: str


def weekly_summary_readers() -> list[SummaryReader]:
    """Active staff who opted in, have an email and still hold a role that reads the KPIs."""
    from omnicanal.core.models import User
    from omnicanal.core.services import WEEKLY_SUMMARY_ROLES

    rows = (User.objects.filter(weekly_summary=True, is_active=True, role__in=WEEKLY_SUMMARY_ROLES)
            .exclude(email="").order_by("pk"))
    return [SummaryReader(user_id=u.pk, email=u.email, role=u.role, locations=tuple(u.locations or ()),
                          language=u.language) for u in rows]


def staff_mail_readers(user_ids, roles) -> list[SummaryReader]:
    """Active staff among `user_ids` with an email who still hold one of `roles` (admins always do): the
    recipients of a domain's own opt-in staff email (feedback's trend alerts)."""
    from omnicanal.core.models import User

    ids = [int(i) for i in user_ids if str(i).isdigit()]
    rows = (User.objects.filter(pk__in=ids, is_active=True, role__in=[*roles, "admin"]).exclude(email="")
            .order_by("pk"))
    return [SummaryReader(user_id=u.pk, email=u.email, role=u.role, locations=tuple(u.locations or ()),
                          language=u.language) for u in rows]

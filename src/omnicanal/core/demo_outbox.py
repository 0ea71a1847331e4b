"""The demo load's outbox dispatch: the same handlers, several events per transaction.

A demo app's load writes hundreds of events in one transaction. core.outbox dispatches each after
the commit, one transaction per event and handler, which is right for a request's few events and
most of the load's time for the demo's (the loyalty earn of each paid order, the customers'
timeline). `load_then_drain` runs the loader, commits, and then hands the events it wrote (and those
their handlers write) to their in-process handlers in chunks, each chunk in one transaction, still
after the commit; a handler that offers a batched form as `handler.many(envelopes)` (the customers'
timeline) gets the chunk's events at once. Each event's handlers are noted in done_handlers and the
event marked done as core.outbox would. What is left (handlers that run in the worker, batch
handlers, or a chunk whose handler failed) goes through core.outbox.dispatch one event at a time,
as the commit's own callbacks would have done.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from omnicanal.core import clock, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus

log = logging.getLogger(__name__)

CHUNK = 500


def last_event_id() -> int:
    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def load_then_drain(load: Callable[[], None], *, after_commit: Callable[[], None] = lambda: None) -> int:
    """Run `load` in one transaction, then `after_commit`, then dispatch the events it wrote.
    Returns how many events the drain dispatched. Inside a caller's transaction (a test's), the
    drain runs at the end of it instead."""
    since = last_event_id()
    with outbox.deferred_dispatch(), transaction.atomic():
        load()
    after_commit()
    return drain(since)


def drain(since: int) -> int:
    """Dispatch the pending events after id `since`, oldest first, CHUNK per transaction, until
    their handlers write no more."""
    handled, leftovers = 0, []
    while True:
        rows = list(OutboxEvent.objects.filter(pk__gt=since, status=OutboxStatus.PENDING).order_by("pk")
                    .only("id", "topic", "payload", "created_at", "done_handlers", "status")[:CHUNK])
        if not rows:
            break
        since = rows[-1].pk
        try:
            with outbox.deferred_dispatch(), transaction.atomic():
                _run_chunk(rows)  # the events these handlers write: the next chunks
        except Exception:
            log.exception("demo outbox drain: a chunk of %s events failed; dispatching them one by one", len(rows))
            rows = list(OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]).only("id", "status"))
        handled += len(rows)
        leftovers += [row.pk for row in rows if row.status == OutboxStatus.PENDING]
    for pk in leftovers:  # worker and batch handlers, or a failed chunk: as the commit's callbacks would
        outbox.dispatch(pk)
    return handled


def _run_chunk(rows: list[OutboxEvent]) -> None:
    many: dict[str, tuple[Callable[[list[outbox.Envelope]], None], list[outbox.Envelope]]] = {}
    for row in rows:
        envelope = outbox.Envelope(id=row.pk, topic=row.topic, payload=row.payload, occurred_at=row.created_at)
        done = list(row.done_handlers)
        for registration in outbox.handlers_for(row.topic):
            if registration.background or registration.name in done:
                continue  # the worker's (batch handlers included): left to outbox.dispatch
            batched = getattr(registration.func, "many", None)
            if batched is not None:
                many.setdefault(registration.name, (batched, []))[1].append(envelope)
            else:
                registration.func(envelope)
            done.append(registration.name)
        row.done_handlers = done
    for batched, envelopes in many.values():
        batched(envelopes)
    # One UPDATE per set of handlers run (a topic's events share it): bulk_update's CASE over
    # hundreds of rows cost more than the handlers.
    now, groups = clock.now(), defaultdict(list)
    for row in rows:
        if {r.name for r in outbox.handlers_for(row.topic)} <= set(row.done_handlers):
            row.status, row.dispatched_at, row.next_attempt_at = OutboxStatus.DONE, now, None
        groups[(tuple(row.done_handlers), row.status)].append(row.pk)
    for (handlers_done, status), pks in groups.items():
        changes: dict[str, Any] = {"done_handlers": list(handlers_done)}
        if status == OutboxStatus.DONE:
            changes.update(status=status, dispatched_at=now, next_attempt_at=None)
        OutboxEvent.objects.filter(pk__in=pks).update(**changes)

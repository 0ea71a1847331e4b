"""Periodic machinery: the outbox relay, the worker heartbeat, expiry of idempotency records
and of throttle counters."""

import logging
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from omnicanal.core import clock, outbox, stream, throttle
from omnicanal.core.models import IdempotencyRecord, OutboxEvent, OutboxStatus
from omnicanal.core.services import do_record_heartbeat

log = logging.getLogger("omnicanal.core.outbox")


@on_startup()
def announce_worker() -> None:
    do_record_heartbeat(name="worker")


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    do_record_heartbeat(name="worker")


@db_task(retries=0)
def dispatch_in_worker(event_id: int | list[int]) -> bool:
    """Background handlers of one event, or of several a process handed over together (oldest first,
    core.wakes.Handoffs: in one transaction, outbox.dispatch_many); a failure is retried by the relay
    with backoff. With a list, one event's failure does not hold up the others'. True when every
    event is done."""
    if isinstance(event_id, int):
        return outbox.dispatch(event_id, in_worker=True)
    return outbox.dispatch_many(event_id, in_worker=True) == len(event_id)


@db_task(retries=0)
def dispatch_many_in_worker(event_ids: list[int]) -> int:
    """Several events' handlers at once (the priority lane hands over what its batch wrote)."""
    return outbox.dispatch_many(event_ids)


@db_periodic_task(crontab(minute="*"))
def relay_outbox() -> int:
    return outbox.dispatch_due()


@db_periodic_task(crontab(minute="*"))
def stream_outbox() -> int:
    """The event stream's relay in the worker, when it is on: a minute's turn (core.stream)."""
    return stream.relay_for(55) if stream.enabled() else 0


@db_periodic_task(crontab(minute="17"))
def purge_expired() -> None:
    now = clock.now()
    IdempotencyRecord.objects.filter(expires_at__lt=now).delete()
    old = OutboxEvent.objects.filter(status=OutboxStatus.DONE, created_at__lt=now - timedelta(days=7))
    if stream.enabled():  # the stream has not taken them yet: keep them for the relay
        old = old.filter(streamed_at__isnull=False)
    old.delete()
    throttle.purge()  # database throttle counters whose window and lockout are over

"""The worker's priority lane: batch topics someone is waiting on (an inbound message on its way to
the agents' consoles: `conversations.InboundAccepted`) are drained by a consumer of their own, never
queued behind the other reactions (issue 23).

A topic joins the lane with `@outbox.handles(topic, batch=True, priority=True)`. Its wake-ups go to
a huey queue of their own (`<HUEY name>.priority`, same storage as the main queue), coalesced with a
window of OUTBOX_PRIORITY_WAKE_MS (10 ms: a person waits on these; the main queue's 100 ms window
alone could eat the push's budget). `omnicanal worker` starts `consume()` in a child process of its
own (`worker --priority-only`): the main queue's threads (the bot's turn, sentiment, analytics) can
hold every thread and the process's GIL for seconds, and the lane must not share either. That child
runs at the default CPU priority, the main consumer is niced (OUTBOX_REACTIONS_NICE), so under a
burst the reactions lag and catch up after it while the stored messages reach the consoles at once.

What does not change: a drain is still `outbox.run_batches` (one drain per topic at a time, by the
topic's lock, or per lane of a topic in lanes, core.lanes; events in the order written; each handled
once), and the relay (`dispatch_due`) still
takes any event whose wake-up was lost (a worker killed mid-batch, Redis down at the enqueue).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from huey.api import Huey
from huey.utils import load_class

from omnicanal.core import outbox

log = logging.getLogger(__name__)


def _build() -> Huey:
    """The lane's queue: settings.HUEY's storage under a name of its own, no results kept (nobody
    reads a drain's return value; the main queue's tasks write one to Redis each)."""
    config: dict[str, Any] = dict(settings.HUEY) if isinstance(settings.HUEY, dict) else {}
    config.pop("consumer", None)
    huey_class = load_class(config.pop("huey_class", "huey.RedisHuey"))
    config.update(config.pop("connection", {}))
    name = f"{config.pop('name', 'omnicanal')}.priority"
    config["results"] = False
    return huey_class(name, **config)


QUEUE = _build()


@QUEUE.task(retries=0)
def drain_first(topic: str) -> int:
    """Drain a priority topic (a failed event is retried by the relay with backoff)."""
    return outbox.drain_priority(topic)


def enqueue(topic: str) -> None:
    drain_first(topic)


def consume(stop: threading.Event | None = None, *, parent: int | None = None) -> None:
    """Run the lane's tasks until `stop` is set or the process that started this one is gone
    (`parent`: its pid; a killed worker must not leave its lane running). Redis blocks on the queue
    for up to a second; other storages are polled every 50 ms."""
    stop = stop or threading.Event()
    while not stop.is_set():
        if parent is not None and os.getppid() != parent:
            log.warning("priority lane: the worker %s is gone; stopping", parent)
            return
        try:
            task = QUEUE.dequeue()
            tasks = [task, *_waiting()] if task is not None else []
        except Exception:  # Redis restarting: try again shortly (the relay covers the meantime)
            log.exception("priority lane: reading the queue failed")
            stop.wait(1)
            continue
        if not tasks:
            if not QUEUE.storage.blocking:
                stop.wait(0.05)
            continue
        close_old_connections()
        try:
            for one in _one_per_topic(tasks):
                with outbox.handing_over_reactions(_hand_over):
                    QUEUE.execute(one)
        except Exception:  # logged by huey; the events stay pending for the relay
            log.exception("priority lane: a drain failed")
        finally:
            close_old_connections()


def _hand_over(event_ids: list[int]) -> None:
    """The events a drain wrote, to the main queue in one task (outbox.handing_over_reactions)."""
    from omnicanal.core.tasks import dispatch_many_in_worker  # core.tasks is wired after the apps load

    dispatch_many_in_worker(event_ids)


def _waiting(most: int = 1000) -> list[Any]:
    """The tasks queued behind the one taken, without blocking (another lane may take them first)."""
    storage = QUEUE.storage
    taken: list[Any] = []
    redis = getattr(storage, "conn", None) if hasattr(storage, "queue_key") else None
    if redis is None and storage.blocking:  # a blocking storage other than Redis: one task at a time
        return taken
    for _ in range(most):
        data = redis.rpop(storage.queue_key) if redis is not None else storage.dequeue()
        if data is None:
            break
        taken.append(QUEUE.deserialize_task(data))
    return taken


def _one_per_topic(tasks: list[Any]) -> list[Any]:
    """The wake-ups queued while a drain ran all name its topic, which one drain now takes whole: a
    burst's hundred wake-ups were a hundred short transactions finding the topic done or busy."""
    latest = {task.args[0] if task.args else None: task for task in tasks}
    return list(latest.values())


def lower_cpu_priority(nice: int) -> None:
    """Lower this process's CPU priority by `nice` (the main consumer's: its reactions give the
    cores to the lane, the web processes and the database under a burst)."""
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:  # not allowed here: the reactions share the cores evenly, as before
            log.warning("worker: could not lower the reactions' CPU priority by %s", nice)

"""Live updates for agents' consoles over the channel layer (Django Channels).

Every console joins one group, "inbox.all", and every event goes to it once: the event names its
conversation, assignee and team, and the page refreshes the list (and the open thread when it is
about it). The in-memory layer reaches consoles served by the same process; several processes need
the Redis layer (REDIS_URL).

Outside an async server's request the sends go through the process's push loop (_loop()) in order
(one FIFO per process), and whatever queued while a send was on its way goes as ONE channel-layer
message (`inbox.batch`): with channels_redis each group_send costs four Redis round trips to send
and three per console to receive (issue 23: ~0.6 ms of the web's CPU per channel message). Nothing
waits for a batch to fill: the first push of a quiet process leaves at once.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import functools
import logging
import os
import threading
import time
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync

log = logging.getLogger(__name__)

ALL = "inbox.all"

# Events in one channel-layer message at most (a Redis value; a console forwards them one by one).
MAX_PER_MESSAGE = 200
# Events a process keeps queued at most (a hung Redis): beyond it the oldest are dropped, logged.
MAX_BACKLOG = 10_000


def shared_layer() -> bool:
    """True when the channel layer reaches other processes (Redis), not only this one's consoles."""
    from django.conf import settings

    backend = getattr(settings, "CHANNEL_LAYERS", {}).get("default", {}).get("BACKEND", "")
    return bool(backend) and "InMemory" not in backend


def push(topic: str, payload: dict, *, wait: bool = True) -> None:
    push_many([(topic, payload)], wait=wait)


def push_many(items: list[tuple[str, dict]], *, wait: bool = True) -> None:
    """Push these events to every console, in order, as one channel-layer message (or a few: at most
    MAX_PER_MESSAGE events each). `wait`: return once they were sent (at most PUSH_TIMEOUT; the
    priority lane's next batch starts after its push, which then has the process's GIL to itself);
    else return at once (the outbox's reactions: their pushes, one per event, then leave together).
    A failure is logged, never raised: a push is a courtesy, the console also refreshes on load."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None or not items:
        return
    events = [_event(topic, payload) for topic, payload in items]
    try:
        if _in_server_loop():  # sync code under SyncToAsync: the server's own loop, as async_to_sync did
            async_to_sync(_send_all)(layer, events)
            return
        done = _sender().put(layer, events, wait)
        if done is not None:
            done.result(timeout=PUSH_TIMEOUT)
    except Exception:
        log.exception("push of %s events failed", len(items))


def push_after_commit(topic: str, payload: dict) -> None:
    """Push this event once the current transaction commits, with every other push it queued: an
    outbox handler's (dispatch_many runs a chunk of events' handlers in one transaction, one call per
    event: the chunk's pushes then leave as one channel-layer message, and none if it rolls back).
    Outside a transaction: at once. Not waited for (the reactions are nobody's wait)."""
    from django.db import connection, transaction

    if not connection.in_atomic_block:
        push(topic, payload, wait=False)
        return
    pending = getattr(_after_commit, "pending", None)
    # A list whose callback Django dropped (its savepoint rolled back) or ran is not reused.
    if pending is None or not any(entry[1] is pending[0] for entry in connection.run_on_commit):
        items: list[tuple[str, dict]] = []
        callback = functools.partial(push_many, items, wait=False)
        _after_commit.pending = pending = (callback, items)
        transaction.on_commit(callback)
    pending[1].append((topic, payload))


# Per thread: the current transaction's after-commit push (its callback, its events).
_after_commit = threading.local()


async def _send_all(layer: Any, events: list[dict]) -> None:
    for start in range(0, len(events), MAX_PER_MESSAGE):
        await _send(layer, events[start:start + MAX_PER_MESSAGE])


async def _send(layer: Any, events: list[dict]) -> None:
    """One group_send for these events (a failure or a hung Redis logged, not raised)."""
    message = {"type": "inbox.event", "data": events[0]} if len(events) == 1 else {
        "type": "inbox.batch", "messages": [{"type": "inbox.event", "data": event} for event in events]}
    try:
        await asyncio.wait_for(layer.group_send(ALL, message), timeout=PUSH_TIMEOUT)
    except Exception:  # TimeoutError included: the next pushes must not wait on a hung Redis
        log.exception("push to %s of %s events failed", ALL, len(events))


# How long a push may hold its caller (the lane's next batch waits on it): channels_redis gives up
# on a dead Redis sooner; this only bounds a hung one.
PUSH_TIMEOUT = 10.0


class _Sender:
    """The process's pushes in order, sent from its push loop: one FIFO, drained by one task that
    takes whatever queued while its previous group_send was on its way (at most MAX_PER_MESSAGE a
    message). Callers in any thread hand events over with put(); nothing here runs in theirs."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # (layer, event, the caller's future resolved once this, its last event, was sent, or None)
        self.queue: collections.deque[tuple[Any, dict, concurrent.futures.Future | None]] = collections.deque()
        self.task: asyncio.Task | None = None
        self.dropped = 0

    def put(self, layer: Any, events: list[dict], wait: bool) -> concurrent.futures.Future | None:
        done: concurrent.futures.Future | None = concurrent.futures.Future() if wait else None
        self.loop.call_soon_threadsafe(self._arrive, layer, events, done)
        return done

    def _arrive(self, layer: Any, events: list[dict], done: concurrent.futures.Future | None) -> None:
        self.queue.extend((layer, event, done if i == len(events) - 1 else None) for i, event in enumerate(events))
        if len(self.queue) > MAX_BACKLOG:
            if not self.dropped:  # once an episode; its total when the queue empties (_run)
                log.warning("push: the channel layer is not keeping up; dropping the oldest queued events")
            while len(self.queue) > MAX_BACKLOG:
                _resolve(self.queue.popleft()[2])
                self.dropped += 1
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        while self.queue:
            layer, chunk = self.queue[0][0], []
            while self.queue and self.queue[0][0] is layer and len(chunk) < MAX_PER_MESSAGE:
                chunk.append(self.queue.popleft())
            await _send(layer, [event for _layer, event, _done in chunk])
            for _layer, _event, done in chunk:
                _resolve(done)
        if self.dropped:
            log.warning("push: %s events dropped, the channel layer was not keeping up", self.dropped)
            self.dropped = 0

    async def drained(self) -> None:
        while self.task is not None and not self.task.done():
            await asyncio.wait([self.task])


def _resolve(done: concurrent.futures.Future | None) -> None:
    if done is not None and not done.done():
        done.set_result(None)


def flush(timeout: float | None = None) -> None:
    """Wait until every push this process queued so far was sent (tests; the process's exit)."""
    sender = _state["sender"]
    if sender is None or _state["pid"] != os.getpid():
        return
    future = asyncio.run_coroutine_threadsafe(sender.drained(), sender.loop)
    try:
        future.result(timeout=PUSH_TIMEOUT if timeout is None else timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        log.warning("push: %s events still queued", len(sender.queue))


# A worker stopping normally sends what it queued (a killed one loses it: the console refreshes).
atexit.register(flush, 2.0)


def _in_server_loop() -> bool:
    """True in sync code an async server runs under SyncToAsync (its loop alive, this process's)."""
    try:
        asyncio.get_running_loop()
        return False  # this thread runs a loop of its own: AsyncToSync would refuse to block it
    except RuntimeError:
        pass
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return (loop is not None and getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()
            and loop.is_running())


_state: dict[str, Any] = {"pid": None, "loop": None, "sender": None}
_state_lock = threading.Lock()


def _loop() -> asyncio.AbstractEventLoop:
    """The process's push loop, started on first use in a daemon thread of its own: one event loop
    for the process's life, so the channel layer's Redis pool, which channels_redis keeps per loop,
    is reused (async_to_sync made a new loop in a new thread per call, so a new Redis connection per
    push: issue 23's "Timeout connecting to server" under a burst). Per pid: a forked child (huey's
    workers, the priority lane) starts its own, never the parent's (whose thread did not survive the
    fork)."""
    loop = _state["loop"]
    if loop is not None and _state["pid"] == os.getpid():
        return loop
    with _state_lock:
        if _state["loop"] is None or _state["pid"] != os.getpid():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="push-loop", daemon=True).start()
            ready.wait()
            _state.update(pid=os.getpid(), loop=loop, sender=_Sender(loop))
        return _state["loop"]


def _sender() -> _Sender:
    _loop()
    return _state["sender"]


def _forget_loop() -> None:
    """After a fork: the parent's loop and lock are not this process's (its thread is gone)."""
    global _state_lock
    _state_lock = threading.Lock()
    _state.update(pid=None, loop=None, sender=None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop)


def _event(topic: str, payload: dict) -> dict:
    """What a console receives of an event (its wire format: conversations/static/…/inbox.js)."""
    return {
        "event": topic.split(".", 1)[-1],
        "conversation_id": payload.get("conversation_id", ""),
        "message_id": payload.get("message_id", ""),
        "channel": payload.get("channel", ""),
        "assignee_id": payload.get("assignee_id", ""),
        "team": payload.get("team", ""),
        "sent_at": time.time(),
    }

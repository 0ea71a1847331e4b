"""Live updates for agents' consoles over the channel layer (Django Channels).

Groups: "inbox.all" (every open console: lists refresh), "staff.<user id>" (the assignee is told)
and "team.<slug>" (SLA warnings reach the team). The in-memory layer reaches consoles served by
the same process; several processes need the Redis layer (REDIS_URL).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync

log = logging.getLogger(__name__)

ALL = "inbox.all"


def staff_group(user_id) -> str:
    return f"staff.{user_id}"


def team_group(slug: str) -> str:
    return f"team.{slug}"


def shared_layer() -> bool:
    """True when the channel layer reaches other processes (Redis), not only this one's consoles."""
    from django.conf import settings

    backend = getattr(settings, "CHANNEL_LAYERS", {}).get("default", {}).get("BACKEND", "")
    return bool(backend) and "InMemory" not in backend


def push(topic: str, payload: dict) -> None:
    push_many([(topic, payload)])


def push_many(items: list[tuple[str, dict]]) -> None:
    """Several events in one event-loop round trip and one channel-layer message per group (a batch
    of inbound messages from the worker): with channels_redis each group_send costs four Redis round
    trips and a slot of the console's channel (capacity CHANNEL_CAPACITY), so a batch of 200
    messages must not become 200 sends per group."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None or not items:
        return
    by_group: dict[str, list[dict]] = {}
    for topic, payload in items:
        for group, message in _messages(topic, payload):
            by_group.setdefault(group, []).append(message)
    sends = [(group, messages[0] if len(messages) == 1 else {"type": "inbox.batch", "messages": messages})
             for group, messages in by_group.items()]

    async def send_all() -> None:
        for group, message in sends:
            try:
                await layer.group_send(group, message)
            except Exception:  # a push is a courtesy: the console also refreshes on load
                log.exception("push to %s failed", group)

    try:
        _run_blocking(send_all)
    except Exception:
        log.exception("push of %s events failed", len(items))


# How long a push may hold its caller (the lane's next batch waits on it): channels_redis gives up
# on a dead Redis sooner; this only bounds a hung one.
PUSH_TIMEOUT = 10.0


def _run_blocking(send_all: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `send_all()` to its end and return (its failure raised here), from any thread.

    Inside an async server's request (sync code under SyncToAsync) the sends go through that
    server's own loop, as async_to_sync does. Anywhere else (the worker, its priority lane, a
    management command, a thread whose own loop is running: Playwright's sync API) they go to the
    process's push loop (_loop()): one event loop for the process's life, so the channel layer's
    Redis pool, which channels_redis keeps per loop, is reused. async_to_sync there made a new loop
    in a new thread per call, so a new Redis connection per push (issue 23: "Timeout connecting
    to server" under a burst, and the connects' CPU in the lane)."""
    if _in_server_loop():
        async_to_sync(send_all)()
        return
    future = asyncio.run_coroutine_threadsafe(send_all(), _loop())
    try:
        future.result(timeout=PUSH_TIMEOUT)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise


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


_state: dict[str, Any] = {"pid": None, "loop": None}
_state_lock = threading.Lock()


def _loop() -> asyncio.AbstractEventLoop:
    """The process's push loop, started on first use in a daemon thread of its own. Per pid: a
    forked child (huey's workers, the priority lane) starts its own, never the parent's (whose
    thread did not survive the fork)."""
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
            _state.update(pid=os.getpid(), loop=loop)
        return _state["loop"]


def _forget_loop() -> None:
    """After a fork: the parent's loop and lock are not this process's (its thread is gone)."""
    global _state_lock
    _state_lock = threading.Lock()
    _state.update(pid=None, loop=None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop)


def _messages(topic: str, payload: dict) -> list[tuple[str, dict]]:
    event = {
        "event": topic.split(".", 1)[-1],
        "conversation_id": payload.get("conversation_id", ""),
        "message_id": payload.get("message_id", ""),
        "channel": payload.get("channel", ""),
        "assignee_id": payload.get("assignee_id", ""),
        "team": payload.get("team", ""),
        "sent_at": time.time(),
    }
    groups = [ALL]
    if payload.get("assignee_id"):
        groups.append(staff_group(payload["assignee_id"]))
    if payload.get("team"):
        groups.append(team_group(payload["team"]))
    return [(group, {"type": "inbox.event" if index == 0 else "inbox.notify", "data": event})
            for index, group in enumerate(groups)]

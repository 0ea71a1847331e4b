"""Live updates for agents' consoles over the channel layer (Django Channels).

Groups: "inbox.all" (every open console: lists refresh), "staff.<user id>" (the assignee is told)
and "team.<slug>" (SLA warnings reach the team). The in-memory layer reaches consoles served by
the same process; several processes need the Redis layer (REDIS_URL).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync

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
        _run_blocking(async_to_sync(send_all))
    except Exception:
        log.exception("push of %s events failed", len(items))


def _run_blocking(call) -> None:
    """AsyncToSync refuses to block a thread whose own event loop is running (a sync service called
    from such a thread: a test driving the browser through Playwright's sync API, sync code inside an
    async server's loop): there the sends go from a short-lived thread of their own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        call()
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="push", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


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

"""The event stream: every outbox event, published to NATS JetStream by one relay.

The outbox (core.outbox) keeps every domain event, handled or not. The relay reads the events not
yet streamed (`OutboxEvent.streamed_at IS NULL`) in id order, publishes them to the stream of their
domain (`<PREFIX>_<DOMAIN>`, subject `<prefix>.<domain>.<Event>`) with `Nats-Msg-Id` = the event id,
waits for JetStream's acknowledgements and only then records them as streamed. A relay killed
between the two publishes that batch again after its restart; JetStream drops each message whose
Nats-Msg-Id it has seen within the stream's duplicate window, so the stream holds every event once.

Order: one relay at a time (a lock: a PostgreSQL advisory lock, or a file lock beside the SQLite
database) publishes over one connection in id order, and JetStream stores a connection's messages in
the order it sent them, so each domain's stream is in outbox id order. Two events of one aggregate
(an order, a customer) are written by transactions that hold that aggregate's row lock one after
the other, so their ids follow their commits: the stream keeps every aggregate's events in order.
An event whose transaction commits after a later id was streamed is streamed when it appears (it
belongs to another aggregate).

Off by default (settings.OMNICANAL["STREAM"]["ENABLED"]); nothing here runs or imports nats-py then.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from omnicanal.core import clock
from omnicanal.core.models import OutboxEvent

log = logging.getLogger(__name__)

# PostgreSQL advisory lock class of the relay (core.claims uses 0x4944, inventory 0x5354).
LOCK_CLASS = 0x5245
LOCK_KEY = 1


def config() -> dict[str, Any]:
    return dict(settings.OMNICANAL["STREAM"])


def enabled() -> bool:
    return bool(config()["ENABLED"])


def _token(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def stream_name(prefix: str, domain: str) -> str:
    """The JetStream stream of one domain: OMNICANAL_ORDERS."""
    return _token(f"{prefix}_{domain}").upper()


def subject(prefix: str, topic: str) -> str:
    """'orders.OrderPaid' -> 'omnicanal.orders.OrderPaid'."""
    return f"{prefix}.{topic}"


@dataclass(frozen=True)
class Row:
    id: int
    topic: str
    body: bytes

    @property
    def domain(self) -> str:
        return self.topic.split(".", 1)[0]


def fetch(limit: int, *, after: int = 0) -> list[Row]:
    """The oldest events not yet streamed (with an id above `after`), each as the message body
    consumers read: {"id", "topic", "occurred_at", "payload"} (the payload as the outbox stored it)."""
    table = OutboxEvent._meta.db_table
    if connection.vendor == "postgresql":
        # PostgreSQL writes the body itself (another process, another core than the relay's).
        sql = (f"SELECT id, topic, format('{{\"id\":%%s,\"topic\":%%s,\"occurred_at\":%%s,\"payload\":%%s}}', "
               f"id, to_json(topic), to_json(created_at), payload::text) FROM {table} "  # noqa: S608 (names are ours)
               "WHERE streamed_at IS NULL AND id > %s ORDER BY id LIMIT %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, limit])
            return [Row(id=i, topic=t, body=b.encode()) for i, t, b in cursor.fetchall()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, topic, payload, created_at FROM {table} "  # noqa: S608 (names are ours)
            "WHERE streamed_at IS NULL AND id > %s ORDER BY id LIMIT %s",
            [after, limit],
        )
        fetched = cursor.fetchall()
    rows = []
    for event_id, topic, payload_text, created_at in fetched:
        occurred = created_at.isoformat() if hasattr(created_at, "isoformat") else str(created_at)
        body = f'{{"id":{event_id},"topic":{json.dumps(topic)},"occurred_at":{json.dumps(occurred)},"payload":{payload_text}}}'
        rows.append(Row(id=event_id, topic=topic, body=body.encode()))
    return rows


def mark_streamed(ids: list[int]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # one array parameter, not a thousand
            cursor.execute(f"UPDATE {OutboxEvent._meta.db_table} SET streamed_at = %s WHERE id = ANY(%s)",  # noqa: S608
                           [clock.now(), ids])
        return
    OutboxEvent.objects.filter(pk__in=ids).update(streamed_at=clock.now())


@contextlib.contextmanager
def single_relay() -> Iterator[bool]:
    """Yield True while this process is the only relay of this database (False: another one is)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, LOCK_KEY])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, LOCK_KEY])
        return
    path = f"{connection.settings_dict['NAME']}.relay.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Relay:
    """Publishes the outbox to JetStream. `run()` loops; `relay_pending()` empties the queue once."""

    def __init__(self, *, url: str | None = None, prefix: str | None = None, batch: int | None = None) -> None:
        cfg = config()
        self.url = url or cfg["NATS_URL"]
        self.prefix = prefix or cfg["PREFIX"]
        self.batch = batch or int(cfg["BATCH"])
        self.duplicate_window = float(cfg["DUPLICATE_WINDOW_SECONDS"])
        self.max_age = float(cfg["MAX_AGE_DAYS"]) * 86400
        # The relay's own event loop, on its own thread: the caller's thread may already run a loop
        # (an ASGI process, a test after a browser test), where run_until_complete would refuse.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stream-relay", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        self._streams: set[str] = set()
        self.published = 0

    def _call(self, coroutine: Any) -> Any:
        """Run a coroutine on the relay's loop and wait for its answer."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    # --- connection and streams ---------------------------------------------------------------
    def connect(self) -> None:
        if self._nc is None or self._nc.is_closed:
            import nats  # the optional dependency: imported only when the stream is on

            self._nc = self._call(nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=3))
            self._js = self._nc.jetstream()
            self._streams.clear()

    def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            self._call(self._nc.drain())
        self._nc = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _ensure_stream(self, domain: str) -> None:
        from nats.js.api import StreamConfig
        from nats.js.errors import BadRequestError

        name = stream_name(self.prefix, domain)
        if name in self._streams:
            return
        stream = StreamConfig(name=name, subjects=[f"{self.prefix}.{domain}.>"], duplicate_window=self.duplicate_window,
                              max_age=self.max_age, description=f"omnicanal {domain} events (outbox)")
        try:
            await self._js.add_stream(stream)
        except BadRequestError:  # it exists with another configuration: take ours
            await self._js.update_stream(stream)
        self._streams.add(name)

    # --- publishing ---------------------------------------------------------------------------
    async def _send(self, rows: list[Row]) -> list[asyncio.Future]:
        """Publish a batch and flush it to the server; answers the acknowledgements to wait for."""
        for domain in sorted({row.domain for row in rows}):
            await self._ensure_stream(domain)
        publish, prefix = self._js.publish_async, self.prefix
        acks = [await publish(f"{prefix}.{row.topic}", row.body, headers={"Nats-Msg-Id": str(row.id)})
                for row in rows]
        await self._nc.flush()
        return acks

    def relay_pending(self, *, deadline: float | None = None) -> int:
        """Publish until nothing is left (or the monotonic deadline passes); answers how many.

        While JetStream stores one batch the next is read from the database. A batch is recorded
        as streamed only once every message of it is acknowledged; any failure leaves it unrecorded,
        and the next pass publishes it again (JetStream drops the messages it already holds).
        """
        total = 0
        rows = fetch(self.batch)
        while rows and (deadline is None or time.monotonic() < deadline):
            self.connect()
            acks = self._call(self._send(rows))
            following = fetch(self.batch, after=rows[-1].id)
            self._call(_all(acks))
            mark_streamed([row.id for row in rows])
            total += len(rows)
            self.published += len(rows)
            # Past the end, look again from the start: a transaction that committed late may have
            # left an older id behind (another aggregate's: see the module's docstring).
            rows = following or fetch(self.batch)
        return total

    def run(self, *, poll_seconds: float = 0.2, deadline: float | None = None) -> None:
        """Relay forever (or until the deadline), reconnecting after an error."""
        while deadline is None or time.monotonic() < deadline:
            try:
                if self.relay_pending(deadline=deadline) == 0:
                    time.sleep(poll_seconds)
            except Exception:
                log.exception("stream relay: publishing failed; retrying")
                self._drop_connection()
                time.sleep(min(5.0, poll_seconds * 10))

    def _drop_connection(self) -> None:
        """Forget a connection in an unknown state (the next batch connects afresh)."""
        nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            try:
                self._call(asyncio.wait_for(nc.close(), 5))
            except Exception:  # already broken: nothing more to release
                log.debug("stream relay: closing a broken connection failed", exc_info=True)


async def _all(acks: list[asyncio.Future]) -> list[Any]:
    return await asyncio.gather(*acks)


def relay_for(seconds: float) -> int:
    """The worker's turn (core.tasks.stream_outbox): relay for up to `seconds` if no other relay runs."""
    if not enabled():
        return 0
    with single_relay() as mine:
        if not mine:
            return 0
        relay = Relay()
        try:
            relay.run(deadline=time.monotonic() + seconds)
        finally:
            relay.close()
        return relay.published

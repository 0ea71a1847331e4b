"""The event stream against the real NATS server on 127.0.0.1:4222: the relay (a separate process)
is killed with SIGKILL in the middle of 10,000 events and started again; every event is in its
domain's stream exactly once, in order per aggregate."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from omnicanal.core import clock, stream
from omnicanal.core.models import OutboxEvent, OutboxStatus

NATS_URL = "nats://127.0.0.1:4222"
SRC = Path(__file__).resolve().parents[3]


def run_async(coroutine):
    """asyncio.run on a thread of its own: earlier browser tests leave a running loop on this one."""
    box: dict = {}

    def target():
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # raised again in the test's thread
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")



def nats_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not nats_up(), reason="no NATS server on 127.0.0.1:4222")


def relay_env() -> dict[str, str]:
    """The subprocess reaches the test database."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "PYTEST_CURRENT_TEST"}}
    env["PYTHONPATH"] = str(SRC)
    env["OMNICANAL_ENV"] = "development"
    env["DB_POOL_SIZE"] = "0"
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
                               f"{db['PORT'] or 5432}/{db['NAME']}")
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = db["NAME"]
    return env


def start_relay(prefix: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from omnicanal.cli import main; main()", "relay", "--prefix", prefix,
         "--batch", "250", "--url", NATS_URL],
        env=relay_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def streamed() -> int:
    return OutboxEvent.objects.filter(streamed_at__isnull=False).count()


def wait_for(predicate, timeout=120.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the relay exited: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError("timed out")


def write_events(count: int) -> dict[int, tuple[str, str]]:
    """`count` events of two domains over 40 aggregates; {event id: (topic, aggregate)}."""
    rows = []
    for n in range(count):
        if n % 3 == 0:
            topic, key = "inventory.StockChanged", "reference"
        else:
            topic, key = "orders.OrderPaid", "order_id"
        rows.append(OutboxEvent(topic=topic, payload={key: f"agg-{n % 40}", "n": n}, created_at=clock.now(),
                                status=OutboxStatus.DONE))
    OutboxEvent.objects.bulk_create(rows, batch_size=1000)
    return {row.pk: (row.topic, row.payload.get("order_id") or row.payload["reference"])
            for row in OutboxEvent.objects.order_by("pk")}


async def read_streams(prefix: str, domains: list[str]) -> dict[str, list[tuple[str, dict]]]:
    import nats

    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    out: dict[str, list[tuple[str, dict]]] = {}
    try:
        for domain in domains:
            name = stream.stream_name(prefix, domain)
            info = await js.stream_info(name)
            messages = []
            sub = await js.pull_subscribe(f"{prefix}.{domain}.>", stream=name)
            deadline = time.monotonic() + 120
            while len(messages) < info.state.messages and time.monotonic() < deadline:
                try:
                    fetched = await sub.fetch(1000, timeout=5)
                except TimeoutError:  # a slow machine: ask again (asyncio.TimeoutError is this one)
                    continue
                for msg in fetched:
                    messages.append((msg.headers["Nats-Msg-Id"], json.loads(msg.data)))
                    await msg.ack()
            out[domain] = messages
    finally:
        await nc.close()
    return out


async def delete_streams(prefix: str, domains: list[str]) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        for domain in domains:
            try:
                await nc.jetstream().delete_stream(stream.stream_name(prefix, domain))
            except Exception:  # never created
                pass
    finally:
        await nc.close()


@pytest.fixture
def prefix():
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    run_async(delete_streams(name, ["orders", "inventory"]))


def test_ten_thousand_events_survive_a_killed_relay_once_each_in_order(transactional_db, prefix):
    # given 10,000 events in the outbox
    written = write_events(10_000)

    # when the relay is killed (SIGKILL) in the middle
    relay = start_relay(prefix)
    try:
        wait_for(lambda: streamed() >= 3000, proc=relay)
    finally:
        relay.send_signal(signal.SIGKILL)
        relay.wait()
    partial = streamed()
    assert 3000 <= partial < 10_000
    # and, as when it dies between JetStream's acknowledgement and its own note, its last 500 events
    # are not recorded as streamed although the stream has them
    last = list(OutboxEvent.objects.filter(streamed_at__isnull=False).order_by("-pk").values_list("pk", flat=True)[:500])
    OutboxEvent.objects.filter(pk__in=last).update(streamed_at=None)

    # and started again
    relay = start_relay(prefix)
    try:
        wait_for(lambda: streamed() == 10_000, proc=relay)
    finally:
        relay.send_signal(signal.SIGKILL)
        relay.wait()

    # then each domain's stream holds each of its events exactly once, in outbox order
    got = run_async(read_streams(prefix, ["orders", "inventory"]))
    for domain, messages in got.items():
        ids = [int(msg_id) for msg_id, _ in messages]
        expected = [pk for pk, (topic, _) in written.items() if topic.startswith(domain + ".")]
        assert ids == expected
        for msg_id, body in messages:
            assert body["id"] == int(msg_id)
            assert body["topic"] == written[int(msg_id)][0]
    # and in order per aggregate (n grows along each aggregate's events)
    per_aggregate: dict[tuple[str, str], list[int]] = {}
    for domain, messages in got.items():
        for _, body in messages:
            aggregate = body["payload"].get("order_id") or body["payload"]["reference"]
            per_aggregate.setdefault((domain, aggregate), []).append(body["payload"]["n"])
    assert sum(len(v) for v in per_aggregate.values()) == 10_000
    assert all(ns == sorted(ns) for ns in per_aggregate.values())


def test_the_stream_is_off_by_default_and_the_worker_relays_nothing(db):
    from omnicanal.core import tasks

    assert not stream.enabled()
    assert tasks.stream_outbox.call_local() == 0


def test_only_one_relay_runs_per_database(transactional_db):
    import threading

    from django.db import connections

    def second_relay(out: list[bool]) -> None:  # another thread: another database connection
        try:
            with stream.single_relay() as mine:
                out.append(mine)
        finally:
            connections.close_all()

    with stream.single_relay() as first:
        seen: list[bool] = []
        thread = threading.Thread(target=second_relay, args=(seen,))
        thread.start()
        thread.join()
    assert first and seen == [False]
    # and once the first is done, the next one may run
    after: list[bool] = []
    thread = threading.Thread(target=second_relay, args=(after,))
    thread.start()
    thread.join()
    assert after == [True]


def test_the_documented_consumer_reads_the_relayed_orders_and_stock_once_in_order(transactional_db, prefix):
    import importlib.util

    spec = importlib.util.spec_from_file_location("stream_consumer", SRC.parent / "docs/examples/stream_consumer.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    # given 30 events relayed by the worker's relay
    written = write_events(30)
    relay = stream.Relay(url=NATS_URL, prefix=prefix, batch=7)
    try:
        assert relay.relay_pending() == 30
    finally:
        relay.close()

    # when the example consumer reads both streams
    got: list[dict] = []
    streams = {d: stream.stream_name(prefix, d) for d in ("orders", "inventory")}
    count = run_async(asyncio.wait_for(
        example.consume(NATS_URL, "test", got.append, prefix=prefix, streams=streams, stop_after=30), 120))

    # then it handled each event once, each stream in order
    assert count == 30 and sorted(e["id"] for e in got) == sorted(written)
    orders = [e["id"] for e in got if e["topic"].startswith("orders.")]
    assert orders == sorted(orders)


def test_the_worker_relays_when_the_stream_is_on(transactional_db, prefix, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "STREAM": {**settings.OMNICANAL["STREAM"], "ENABLED": True,
                                                           "PREFIX": prefix, "NATS_URL": NATS_URL}}
    write_events(12)
    assert stream.relay_for(1.5) == 12
    assert streamed() == 12

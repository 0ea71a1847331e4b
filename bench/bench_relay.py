"""The event stream's relay: outbox events published to NATS JetStream per second, beside a ceiling
(nats-py publishing the same message bodies to JetStream with nothing else to do) in the same run.

    .venv/bin/python bench/bench_relay.py            # 20,000 events
    .venv/bin/python bench/bench_relay.py --small    # 5,000 events

Needs the NATS server on 127.0.0.1:4222 (NATS_URL). Creates (and drops) its own database,
`omnicanal_bench_relay` on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432), and
streams named after a random prefix, deleted at the end. Target: >= 5,000 events/s relayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

DB_NAME = "omnicanal_bench_relay"
NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")


def _setup_django() -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    import psycopg

    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("OMNICANAL_ENV", "development")
    os.environ["DB_POOL_SIZE"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _write_events(count: int) -> None:
    from omnicanal.core import clock
    from omnicanal.core.models import OutboxEvent, OutboxStatus

    now = clock.now()
    rows = []
    for n in range(count):
        order = f"ord_{n % 997:026d}"
        rows.append(OutboxEvent(topic="orders.OrderPaid" if n % 2 else "inventory.StockChanged", created_at=now,
                                status=OutboxStatus.DONE, payload={
            "order_id": order, "order_number": f"AS-{100000 + n}", "customer_id": f"cus_{n % 331:026d}",
            "channel": "web", "total": {"amount": "12990", "currency": "CLP"},
            "lines": [{"sku": "ZAP-RUN-42", "quantity": 1, "amount": {"amount": "12990", "currency": "CLP"},
                       "category": "running"}]}))
    OutboxEvent.objects.bulk_create(rows, batch_size=2000)


async def _ceiling(rows, prefix: str) -> float:
    """nats-py alone: the same bodies, the same headers, acknowledged, into one stream."""
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    name = f"{prefix}_CEILING".upper()
    await js.add_stream(StreamConfig(name=name, subjects=[f"{prefix}c.>"], duplicate_window=600))
    started = time.perf_counter()
    acks = [await js.publish_async(f"{prefix}c.{row.topic}", row.body, headers={"Nats-Msg-Id": str(row.id)})
            for row in rows]
    await asyncio.gather(*acks)
    elapsed = time.perf_counter() - started
    await js.delete_stream(name)
    await nc.close()
    return elapsed


async def _delete(prefix: str, domains: list[str]) -> None:
    import nats
    from nats.js.errors import NotFoundError

    from omnicanal.core import stream

    nc = await nats.connect(NATS_URL)
    for domain in domains:
        with contextlib.suppress(NotFoundError):  # never created
            await nc.jetstream().delete_stream(stream.stream_name(prefix, domain))
    await nc.close()


def _nats_up() -> bool:
    import socket

    host_port = urlsplit(NATS_URL)
    try:
        socket.create_connection((host_port.hostname or "127.0.0.1", host_port.port or 4222), timeout=1).close()
        return True
    except OSError:
        return False


def main(argv: list[str]) -> None:
    count = 5_000 if "--small" in argv else 20_000
    if not _nats_up():
        print(f"skipped: no NATS server at {NATS_URL}")
        return
    _setup_django()
    from omnicanal.core import stream
    from omnicanal.core.models import OutboxEvent

    _write_events(count)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    try:
        rows = stream.fetch(count)
        ceiling = asyncio.run(_ceiling(rows, prefix))

        relay = stream.Relay(url=NATS_URL, prefix=prefix)
        started = time.perf_counter()
        relayed = relay.relay_pending()
        elapsed = time.perf_counter() - started
        relay.close()
        assert relayed == count == OutboxEvent.objects.filter(streamed_at__isnull=False).count()
    finally:
        asyncio.run(_delete(prefix, ["orders", "inventory"]))
    print(f"events:              {count}  (batch {stream.config()['BATCH']}, two domains, PostgreSQL)")
    print(f"relay:               {count / elapsed:8.0f} events/s  ({elapsed:.2f} s: read, publish, acks, mark)")
    print(f"ceiling (nats-py):   {count / ceiling:8.0f} events/s  ({ceiling:.2f} s: publish and acks only)")
    print("target:              >= 5000 events/s relayed")


if __name__ == "__main__":
    main(sys.argv[1:])

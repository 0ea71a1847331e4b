"""Inbound messages through the webhook path, and the time from a webhook to the agent's push.

    make bench BENCH_ARGS=inbound
    .venv/bin/python bench/bench_inbound.py --messages 2000 --concurrency 8 --latency 300

PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/omnicanal_bench_inbound (created,
migrated and dropped by the bench). The application runs as `omnicanal serve` would run it: uvicorn
with the ASGI app (HTTP and WebSockets, in-memory channel layer) in a child process on a loopback
port. The bench then
1. throughput: posts signed WhatsApp Cloud API webhooks (X-Hub-Signature-256) from N client threads;
   each message's sender is resolved by customers.do_identify (a mix of new and returning numbers),
   stored in the customer's one conversation, and pushed to the consoles; figure: messages/s;
2. latency: an agent's console WebSocket (a signed-in session) is open; one webhook at a time, the
   time from sending it to receiving the MessageReceived push; figures: p50, p99 (target p99 <= 150 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/omnicanal_bench_inbound"
APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_inbound", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="webhooks in the throughput run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads posting webhooks")
    parser.add_argument("--senders", type=int, default=600, help="distinct phone numbers (the rest return)")
    parser.add_argument("--latency", type=int, default=300, help="webhooks in the latency run")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args(argv)


def _prepare_database() -> tuple[str, str, callable]:
    url = os.environ.get("DATABASE_URL") or DEFAULT_PG
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, name, drop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _body(n: int, phone: str) -> bytes:
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "56229401234", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Cliente {n}"}, "wa_id": phone}],
            "messages": [{"from": phone, "id": f"wamid.BENCH{n:09d}", "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": f"Hola, consulta número {n}"}}],
        }}]}],
    }).encode()


def _signature(body: bytes) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def _phones(count: int) -> list[str]:
    import phonenumbers

    phones, n = [], 40_000_000
    while len(phones) < count:
        digits = f"569{n:08d}"
        n += 13
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+{digits}")):
            phones.append(digits)
    return phones


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    args = parse(list(argv or []))
    url, name, drop = _prepare_database()
    var = tempfile.mkdtemp(prefix="omnicanal-bench-var-")
    env = {**os.environ, "DATABASE_URL": url, "OMNICANAL_VAR": var, "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-000000000000"),
           "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "0"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "OMNICANAL_VAR", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "LOG_LEVEL")})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    session_key = _setup()
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own application)
        [sys.executable, "-m", "uvicorn", "omnicanal.web.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--lifespan", "off", "--ws", "websockets-sansio"], env=env,
    )
    try:
        _wait(port)
        print(f"\nPostgreSQL ({name}), app under uvicorn on 127.0.0.1:{port}", flush=True)
        _throughput(port, args)
        asyncio.run(_latency(port, session_key, args.latency))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            drop()


def _setup() -> str:
    """A WhatsApp inbox, an available agent, and that agent's console session (its cookie)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from omnicanal.channels.services import do_create_inbox
    from omnicanal.conversations.services import do_save_agent, do_save_team
    from omnicanal.core.services import do_create_staff_user

    with transaction.atomic():
        do_create_inbox(channel="whatsapp", name="Bench", config={"phone_number_id": PHONE_NUMBER_ID,
                                                                   "app_secret": APP_SECRET, "access_token": "x"})
        do_save_team(slug="servicio", name="Servicio", is_default=True)
        user = do_create_staff_user(username="bench-agent", password="bench-pass-123", role="agent")
        do_save_agent(user=user, languages=["es"], skills=[], teams=["servicio"])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # a backend not listed: anonymous
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _wait(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _throughput(port: int, args: argparse.Namespace) -> None:
    import httpx

    phones = _phones(args.senders)
    bodies = [_body(n, phones[n % len(phones)]) for n in range(args.messages)]
    failures = []
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))

    def worker() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                body = bodies[index]
                answer = http.post("/webhooks/whatsapp", content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": _signature(body)})
                if answer.status_code != 200:
                    failures.append(answer.status_code)

    warm = min(50, len(bodies) // 10)
    cursor = iter(range(warm))  # warm the server (connections, imports) before timing
    worker()
    cursor = iter(range(warm, len(bodies)))
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    measured = len(bodies) - warm
    print(f"  throughput: {measured} signed webhooks, {args.concurrency} clients, {args.senders} senders "
          f"({measured - args.senders} returning): {measured / elapsed:,.0f} messages/s "
          f"({elapsed * 1000 / measured:.1f} ms each on average), {len(failures)} failures", flush=True)


async def _latency(port: int, session_key: str, count: int) -> None:
    import httpx
    import websockets

    phones = _phones(count + 1000)[1000:]
    samples: list[float] = []
    headers = {"Cookie": f"sessionid={session_key}", "Origin": f"http://127.0.0.1:{port}"}
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/console/inbox/", additional_headers=headers) as socket_, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for n in range(count):
            body = _body(1_000_000 + n, phones[n % len(phones)])
            started = time.perf_counter()
            answer = await http.post("/webhooks/whatsapp", content=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": _signature(body)})
            assert answer.status_code == 200, answer.text
            while True:
                event = json.loads(await asyncio.wait_for(socket_.recv(), timeout=10))
                if event.get("type") == "event" and event.get("event") == "MessageReceived":
                    break
            samples.append((time.perf_counter() - started) * 1000)
    print(f"  webhook -> agent's WebSocket push: {count} messages, p50 {statistics.median(samples):.1f} ms, "
          f"p99 {_percentile(samples, 0.99):.1f} ms, max {max(samples):.1f} ms (target p99 <= 150 ms)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Inbound messages through the webhook path beside a bare ceiling, and the time from a webhook to
the agent's push.

    make bench BENCH_ARGS=inbound
    .venv/bin/python bench/bench_inbound.py --messages 3000 --concurrency 16 --latency 300 --rate 100

PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/omnicanal_bench_inbound (created,
migrated and dropped by the bench); Redis: BENCH_REDIS_URL, else redis://127.0.0.1:6379/9 (huey's
queue and the channel layer, as a multi-process installation runs). The application runs as
`omnicanal serve` runs it at scale: uvicorn with --workers 4 (bench/inbound_app.py: the
product's ASGI app plus the bench-only ceiling route) and 2 worker processes (`omnicanal worker`).
The bench then
1. statements: one webhook for a new and one for a returning sender, through Django's test client
   in this process with the worker's task run inline, counted (the request's, then its reactions');
2. throughput: posts signed WhatsApp Cloud API webhooks (X-Hub-Signature-256) from N concurrent
   clients, every 20th delivered twice (a provider's retry), with the worker processes paused
   (SIGSTOP: the request path alone), then the time the workers take to store them and run every
   reaction (bot turn, unsolicited feedback); the same deliveries to the bare ceiling route (verify
   the signature, insert one row) in the same run; then as many other messages with the workers
   running (the whole application sharing the cores); then every message must be stored exactly
   once (row counts);
3. latency: an agent's console WebSocket (a signed-in session) is open; webhooks at a fixed rate
   (100/s), the time from sending each to receiving its MessageReceived push; p50, p99 (target
   p99 <= 150 ms); where it goes, from stamps taken anyway (the webhook's answer, the message's
   created_at in the lane, the push's sent_at, the bench's receipt: nothing added to the server's
   path), and the console's frames per message by kind (load-independent).
The throughput phases post with a lean generator of the bench's own (`--client lean`, the default):
one keep-alive HTTP/1.1 connection per client on asyncio streams, every request's bytes (body,
signature, headers) built before the clock starts, the answer read as status line, headers and
Content-Length (or chunks). The generator runs on the same 2 cores as the server, and whatever CPU it
spends per request is taken from the server's: httpx's AsyncClient cost 2.3 ms of CPU per request
(2026-12-07), more than half the web's own ~4 ms, so the rates measured the generator as much as the
application; this one costs about 0.1 ms. The latency phase posts with it too (an open loop at 100/s: a webhook
leaves on time on an idle keep-alive connection, or a new one when all are busy). Meta's
servers, which post the real webhooks, are not on our machine. The bench prints the generator's CPU
per request (this process, os.times) beside the web's (uvicorn's workers, /proc): the webhook and the
bare ceiling are posted by the same generator. `--client httpx` runs the former generator.
The load average is printed beside the figures: the machine is shared.
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
import time

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/omnicanal_bench_inbound"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"
# Production settings redirect plain HTTP to HTTPS; the bench talks to uvicorn as the TLS-terminating
# load balancer in front of it would (SECURE_PROXY_SSL_HEADER).
PROXY = {"X-Forwarded-Proto": "https"}
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_inbound", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000, help="webhooks in the throughput run")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients posting webhooks")
    parser.add_argument("--senders", type=int, default=600, help="distinct phone numbers (the rest return)")
    parser.add_argument("--latency", type=int, default=300, help="webhooks in the latency run")
    parser.add_argument("--rate", type=float, default=100.0, help="webhooks per second in the latency run")
    parser.add_argument("--web-workers", type=int, default=4, help="uvicorn worker processes")
    parser.add_argument("--workers", type=int, default=2, help="background worker processes (huey consumers)")
    parser.add_argument("--client", choices=("lean", "httpx"), default="lean",
                        help="the throughput phases' load generator (lean: asyncio streams, pre-built requests)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args(argv)


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


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


def _cpu_by_role() -> dict[str, float]:
    """CPU seconds (user + system, /proc) used so far by this bench's descendants, by role: the web
    (uvicorn), the workers' main consumers (reactions) and their priority lanes (the store step and
    the push): load-independent figures beside the latencies, which the machine's load swings."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, stats = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        stats[int(entry)] = ((int(fields[11]) + int(fields[12])) / tick, command)
    mine, roles = {os.getpid()}, {"web": 0.0, "reactions": 0.0, "lane": 0.0}
    for _ in range(4):  # children, grandchildren (uvicorn's workers, the lanes)
        mine |= {pid for pid, parent in parents.items() if parent in mine}
    for pid in mine - {os.getpid()}:
        seconds, command = stats.get(pid, (0.0, ""))
        role = ("lane" if "--priority-only" in command else "reactions" if " worker" in command
                else "web" if "uvicorn" in command or "multiprocessing" in command else None)
        if role:
            roles[role] += seconds
    return roles


def _with_children(pids: list[int]) -> list[int]:
    """The worker processes and their children (each worker's priority lane, core.priority): pausing
    the workers must pause their lanes too, or the lanes store messages during the request-path run."""
    found = set(pids)
    for _ in range(3):
        for pid in list(found):
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as handle:
                    found |= {int(child) for child in handle.read().split()}
            except OSError:
                continue
    return sorted(found)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    args = parse(list(argv or []))
    url, name, drop = _prepare_database()
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    _clear_redis(redis_url)
    var = tempfile.mkdtemp(prefix="omnicanal-bench-var-")
    src = os.path.join(os.path.dirname(BENCH_DIR), "src")
    env = {**os.environ, "DATABASE_URL": url, "OMNICANAL_VAR": var, "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-000000000000"),
           "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"), "REDIS_URL": redis_url,
           "BENCH_APP_SECRET": APP_SECRET,
           "PYTHONPATH": os.pathsep.join(p for p in (src, BENCH_DIR, os.environ.get("PYTHONPATH", "")) if p)}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "OMNICANAL_VAR", "DJANGO_SETTINGS_MODULE", "SECRET_KEY",
                                           "LOG_LEVEL", "REDIS_URL", "BENCH_APP_SECRET")})
    sys.path.insert(0, BENCH_DIR)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import inbound_app

    inbound_app.create_table()
    session_key = _setup()
    statements = _statements()
    port = _free_port()
    processes = [subprocess.Popen(  # noqa: S603 (our own application)
        [sys.executable, "-m", "uvicorn", "inbound_app:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.web_workers), "--log-level", "warning", "--lifespan", "off",
         "--ws", "websockets-sansio"], env=env, cwd=BENCH_DIR)]
    for _ in range(args.workers):
        processes.append(subprocess.Popen([sys.executable, "-m", "omnicanal.cli", "worker"], env=env))  # noqa: S603
    try:
        _wait(port)
        print(f"\nPostgreSQL ({name}), Redis ({redis_url}); uvicorn --workers {args.web_workers} on "
              f"127.0.0.1:{port}, {args.workers} worker processes; load average {_load()}", flush=True)
        print(f"  statements per message (request / reactions): new sender {statements[0]} / {statements[1]}, "
              f"returning sender {statements[2]} / {statements[3]}", flush=True)
        _throughput(port, args, [p.pid for p in processes[1:]])
        asyncio.run(_latency(port, session_key, args))
        print(f"  load average after: {_load()}", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        _clear_redis(redis_url)
        if not args.keep:
            drop()


def _clear_redis(url: str) -> None:
    """Empty the bench's own Redis database (huey's queue, the channel layer's groups)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match="huey*")) + list(client.scan_iter(match="asgi*"))
    if keys:
        client.delete(*keys)


def _statements() -> tuple[int, int, int, int]:
    """Statements of one webhook (new sender, then returning) and of its reactions, in this process:
    Django's test client through the same view, the worker's task run inline (huey immediate)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from huey.contrib.djhuey import HUEY

    from omnicanal.core import priority

    client = Client()
    counts = []
    phone = _phones(2001)[-1]  # a sender no other run uses
    HUEY.immediate = priority.QUEUE.immediate = True  # the store step's lane too (core.priority)
    try:
        for n in (0, 1):
            body = _body(900_000_000 + n, phone)
            callbacks = []
            with CaptureQueriesContext(connection) as webhook:
                from unittest import mock

                with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, *a, c=callbacks, **k: c.append(f)):
                    answer = client.post("/webhooks/whatsapp", body, content_type="application/json",
                                         HTTP_X_HUB_SIGNATURE_256=_signature(body), secure=True)
                assert answer.status_code == 200, (answer.status_code, answer.content, answer.headers)
            with CaptureQueriesContext(connection) as reactions:
                for callback in callbacks:
                    callback()
            counts += [len(webhook), len(reactions)]
    finally:
        HUEY.immediate = priority.QUEUE.immediate = False
    return tuple(counts)


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

    deadline = time.monotonic() + 300  # a loaded machine starts 4 workers slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", headers=PROXY, timeout=2).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _request_bytes(port: int, path: str, body: bytes) -> bytes:
    """One signed delivery as the bytes a provider sends (HTTP/1.1, keep-alive), built before the
    clock starts: the signature and the headers cost the generator nothing while it is measured."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: {_signature(body)}\r\nX-Forwarded-Proto: https\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (Content-Length or chunked); its status."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked = 0, False
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while (size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)):
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")  # the empty trailer
    return status


async def _lean_post_all(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[int]]:
    """The throughput phases' generator: `concurrency` clients, one keep-alive connection each, on
    asyncio streams, writing pre-built requests and reading status line, headers and body. It costs
    a fraction of httpx's CPU per request, and that CPU is taken from the server on this machine."""
    pending = iter(requests)
    failures: list[int] = []
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(concurrency)]

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for request in pending:  # one shared iterator: each request is taken once
            writer.write(request)
            status = await _answer(reader)
            if status != 200:
                failures.append(status)

    started = time.perf_counter()
    await asyncio.gather(*(client(reader, writer) for reader, writer in connections))
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return elapsed, failures


async def _httpx_post_all(port: int, path: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[int]]:
    """The earlier generator (--client httpx): httpx's AsyncClient, signing each body on the clock."""
    import httpx

    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    failures: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as http:
        async def client() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                answer = await http.post(path, content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": _signature(body), **PROXY})
                if answer.status_code != 200:
                    failures.append(answer.status_code)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return time.perf_counter() - started, failures


class _Run:
    """One throughput phase's figures: seconds, refusals, and the CPU per request of the generator
    (this process, /proc through os.times) and of the web processes (uvicorn's workers)."""

    def __init__(self, elapsed: float, failures: list[int], generator_ms: float, web_ms: float):
        self.elapsed, self.failures, self.generator_ms, self.web_ms = elapsed, failures, generator_ms, web_ms


def _post_all(port: int, path: str, bodies: list[bytes], concurrency: int, client: str = "lean") -> _Run:
    """Post every body (concurrency at a time) with the chosen generator; the run's figures."""
    if client == "lean":
        requests = [_request_bytes(port, path, body) for body in bodies]  # before the clock
        run = _lean_post_all(port, requests, concurrency)
    else:
        run = _httpx_post_all(port, path, bodies, concurrency)
    web_before, mine_before = _cpu_by_role()["web"], _own_cpu()
    elapsed, failures = asyncio.run(run)
    mine, web = _own_cpu() - mine_before, _cpu_by_role()["web"] - web_before
    count = max(1, len(bodies))
    return _Run(elapsed, failures, mine * 1000 / count, web * 1000 / count)


def _own_cpu() -> float:
    """CPU seconds (user + system) of this process, every thread: the load generator's own."""
    times = os.times()
    return times.user + times.system


def _pending_reactions() -> int:
    """Events still waiting for the workers: kept deliveries not yet stored, stored messages whose
    reactions (bot turn, feedback) have not run."""
    from omnicanal.core.models import OutboxEvent, OutboxStatus

    return OutboxEvent.objects.filter(topic__in=["conversations.InboundAccepted", "conversations.MessageReceived"],
                                      status=OutboxStatus.PENDING).count()


def _drain() -> float:
    started = time.perf_counter()
    while _pending_reactions():
        time.sleep(0.05)
    return time.perf_counter() - started


def _throughput(port: int, args: argparse.Namespace, workers: list[int]) -> None:
    """Two runs of the same number of deliveries: with the workers paused (SIGSTOP: the request path
    alone, as the bare ceiling runs with idle workers; then the workers drain the backlog), and with
    them running (the whole application on these cores, as a campaign's replies meet it)."""
    import signal

    from django.db import connection

    from omnicanal.conversations.models import Message

    phones = _phones(args.senders)
    bodies = [_body(n, phones[n % len(phones)]) for n in range(args.messages)]
    running = [_body(500_000 + n, phones[(n * 7) % len(phones)]) for n in range(args.messages)]
    # every 20th delivery comes twice, later (a provider retrying): stored once all the same
    deliveries = bodies + bodies[::20]
    warm = min(50, len(bodies) // 10)
    _post_all(port, "/webhooks/whatsapp", deliveries[:warm], 4, args.client)
    _post_all(port, "/bench/bare-inbound", deliveries[:warm], 4, args.client)
    _drain()
    measured = deliveries[warm:]
    load_before = _load()
    workers = _with_children(workers)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        paused = _post_all(port, "/webhooks/whatsapp", measured, args.concurrency, args.client)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    drained = _drain()
    load_mid = _load()
    bare = _post_all(port, "/bench/bare-inbound", measured, args.concurrency, args.client)
    load_bare = _load()
    rate, bare_rate = len(measured) / paused.elapsed, len(measured) / bare.elapsed
    print(f"  throughput: {len(measured)} signed webhooks ({len(bodies[::20])} of them replays), {args.concurrency} "
          f"clients ({args.client} generator), {args.senders} senders (load average {load_before} / {load_mid} / "
          f"{load_bare})", flush=True)
    print(f"    webhook, workers paused (verify, keep, dedupe, acknowledge): {rate:,.0f} messages/s "
          f"({paused.elapsed * 1000 / len(measured):.1f} ms each on average), {len(paused.failures)} failures; the "
          f"workers then stored and reacted to all in {drained:.1f} s ({len(bodies) / drained:,.0f} messages/s)",
          flush=True)
    print(f"    bare ceiling (verify the signature, insert the row), same uvicorn workers: {bare_rate:,.0f} messages/s, "
          f"{len(bare.failures)} failures; the webhook at {rate / bare_rate:.0%} of it (target >= 300/s)", flush=True)
    print(f"    CPU per request (/proc, load-independent): web {paused.web_ms:.2f} ms webhook / {bare.web_ms:.2f} ms "
          f"bare; load generator (this process, not the server's) {paused.generator_ms:.2f} ms webhook / "
          f"{bare.generator_ms:.2f} ms bare", flush=True)
    live = _post_all(port, "/webhooks/whatsapp", running, args.concurrency, args.client)
    live_drained = _drain()
    live_rate = len(running) / live.elapsed
    print(f"    webhook, workers running ({len(running)} more messages; load average {_load()}): {live_rate:,.0f} messages/s acknowledged, "
          f"{len(live.failures)} failures, every reaction done {live_drained:.1f} s after the last answer: "
          f"{len(running) / (live.elapsed + live_drained):,.0f} messages/s end to end", flush=True)
    sent_ids = [f"wamid.BENCH{n:09d}" for n in range(len(bodies))] + [
        f"wamid.BENCH{500_000 + n:09d}" for n in range(len(running))]
    ours = Message.objects.filter(external_id__in=sent_ids)
    stored, distinct = ours.count(), ours.values("external_id").distinct().count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT external_id) FROM bench_bare_inbound")
        bare_rows, bare_distinct = cursor.fetchone()
    verdict = "OK" if stored == distinct == len(sent_ids) and bare_rows == bare_distinct == len(bodies) else "WRONG"
    print(f"    stored once: {len(sent_ids)} messages sent ({len(deliveries) + len(running)} deliveries), {stored} rows "
          f"({distinct} distinct); bare {bare_rows} ({bare_distinct} distinct): {verdict}", flush=True)


async def _latency(port: int, session_key: str, args: argparse.Namespace) -> None:
    import websockets

    count = args.latency
    phones = _phones(count + 1000)[1000:]
    sent: dict[str, float] = {}
    pushed: dict[str, float] = {}
    refused: list = []
    # wall-clock stamps for the stages (time.time(): the server's own stamps, Message.created_at and the
    # push's sent_at, come from the same clock): sent, answered, received; the frames by kind
    walls: dict[str, dict[str, float]] = {"sent": {}, "answered": {}, "received": {}, "pushed": {}}
    frames: dict[str, int] = {}
    headers = {"Cookie": f"sessionid={session_key}", "Origin": f"https://127.0.0.1:{port}", **PROXY}
    # Built before the clock starts, as in the throughput phases; the sends go on keep-alive connections
    # of the lean generator's kind (one per webhook in flight, kept for the next): httpx cost ~2 ms of
    # this process's CPU per post, taken from the server's two cores at 100/s.
    bodies = [_body(1_000_000 + n, phones[n % len(phones)]) for n in range(count)]
    requests = [_request_bytes(port, "/webhooks/whatsapp", body) for body in bodies]
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = [
        await asyncio.open_connection("127.0.0.1", port) for _ in range(16)]
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/console/inbox/", additional_headers=headers) as socket_:
        async def listen() -> None:
            while len(pushed) < count - len(refused):
                event = json.loads(await socket_.recv())
                kind = f"{event.get('type')}:{event.get('event', '')}"
                frames[kind] = frames.get(kind, 0) + 1
                if event.get("type") == "event" and event.get("event") == "MessageReceived":
                    pushed[event.get("message_id", "")] = time.perf_counter()
                    walls["received"][event.get("message_id", "")] = time.time()
                    walls["pushed"][event.get("message_id", "")] = float(event.get("sent_at") or 0)

        async def post(n: int) -> None:
            sent[f"wamid.BENCH{1_000_000 + n:09d}"] = time.perf_counter()
            walls["sent"][f"wamid.BENCH{1_000_000 + n:09d}"] = time.time()
            reader, writer = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(requests[n])
                status = await asyncio.wait_for(_answer(reader), timeout=30)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                refused.append(type(exc).__name__)
                writer.close()
                return
            idle.append((reader, writer))
            walls["answered"][f"wamid.BENCH{1_000_000 + n:09d}"] = time.time()
            if status != 200:
                refused.append(status)

        listener = asyncio.create_task(listen())
        cpu_before, generator_before = _cpu_by_role(), _own_cpu()
        started = time.perf_counter()
        posts = []
        for n in range(count):  # an open loop: the next webhook leaves on time, answered or not
            await asyncio.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
            posts.append(asyncio.create_task(post(n)))
        await asyncio.gather(*posts)
        try:
            await asyncio.wait_for(listener, timeout=30)
        except (TimeoutError, websockets.ConnectionClosed):
            listener.cancel()
        cpu_pushed, generator = _cpu_by_role(), _own_cpu() - generator_before
    for _, writer in idle:
        writer.close()
    rows = await _message_ids(list(sent))
    ids = {public_id: external for external, public_id, _created in rows}
    samples = [(at - sent[ids[message_id]]) * 1000 for message_id, at in pushed.items() if message_id in ids]
    if not samples:
        print(f"  webhook -> agent's WebSocket push: no pushes received ({len(refused)} not answered 200)", flush=True)
        return
    print(f"  webhook -> agent's WebSocket push at {args.rate:.0f} messages/s: {len(samples)} of {count} messages, "
          f"{len(refused)} not answered 200, p50 {statistics.median(samples):.1f} ms, p99 {_percentile(samples, 0.99):.1f} ms, max {max(samples):.1f} ms "
          f"(target p99 <= 150 ms; load average {_load()})", flush=True)
    cpu = {role: (cpu_pushed[role] - cpu_before[role]) * 1000 / count for role in cpu_before}
    print(f"    CPU per message until the last push (/proc, load-independent): web {cpu['web']:.1f} ms, priority "
          f"lane (store + push) {cpu['lane']:.1f} ms, main consumers (reactions, so far) {cpu['reactions']:.1f} ms; "
          f"this bench (posting, the WebSocket reading) {generator * 1000 / count:.1f} ms",
          flush=True)
    kinds = ", ".join(f"{kind} {n / count:.2f}" for kind, n in sorted(frames.items()))
    print(f"    console frames per message until the last push (load-independent): {kinds}", flush=True)
    _stages(rows, walls)


def _stages(rows: list[tuple[str, str, object]], walls: dict[str, dict[str, float]]) -> None:
    """Where a push's time goes, from stamps taken anyway (nothing added to the server's path): the
    bench's send and the webhook's answer, the message's created_at (the lane stored it: queue and
    batch so far), the push's sent_at (built after the batch's commit), the bench's receipt."""
    stages: dict[str, list[float]] = {"webhook answered": [], "-> stored by the lane": [],
                                      "-> push built (batch commit)": [], "-> received (channel layer, consumer)": []}
    for external, public_id, created in rows:
        stamps = [walls["sent"].get(external), walls["answered"].get(external), created.timestamp(),
                  walls["pushed"].get(public_id), walls["received"].get(public_id)]
        if None in stamps:
            continue
        for name, (start, end) in zip(stages, zip(stamps, stamps[1:], strict=False), strict=True):
            stages[name].append((end - start) * 1000)
    if not stages["webhook answered"]:
        return
    print("    stages (p50 / p99 ms): " + "; ".join(
        f"{name} {_percentile(values, 0.5):.1f} / {_percentile(values, 0.99):.1f}" for name, values in stages.items()),
        flush=True)


async def _message_ids(external_ids: list[str]) -> list[tuple[str, str, object]]:
    from asgiref.sync import sync_to_async

    from omnicanal.conversations.models import Message

    def read() -> list[tuple[str, str, object]]:
        return list(Message.objects.filter(external_id__in=external_ids).values_list(
            "external_id", "public_id", "created_at"))

    return await sync_to_async(read)()


if __name__ == "__main__":
    main(sys.argv[1:])

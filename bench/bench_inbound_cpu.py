"""One inbound WhatsApp message's cost, independent of the machine's load (issue 23): per signed webhook
request, statements and Python function calls through Django's own WSGI handler (every middleware, the
pooled connection taken and given back per request, as a server does), then per message of the worker's
part (the store step and every reaction: the bot's turn, feedback's sentiment, analytics) for a batch of
`--batch` messages, on PostgreSQL with Redis as in production (huey's queue and the channel layer, so the
request takes the two-step path of docs/inbox.md; Redis database 14, emptied before and after).

    .venv/bin/python bench/bench_inbound_cpu.py [--batch 100] [--senders 20] [--new-senders] [--reuse] [--asgi]
    BENCH_INBOUND_CPU_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no --zero-before=math_perm \
        --dump-before=math_comb .venv/bin/python bench/bench_inbound_cpu.py --reuse --batch 20 --profile 0
        # instructions: the dump ending in .1 holds the batch's requests ("summary:" / 20), the one
        # ending in .2 the priority lane's part (the store step and the push) for that batch (/ 20),
        # the one ending in .3 the other reactions' (/ 20)

`--asgi` sends the requests through the product's ASGI application (web/asgi.py, as uvicorn calls it)
instead of the WSGI handler: the handler's own cost (thread hops, tasks) included.
BENCH_INBOUND_CPU_DB names the database (one per person sharing a server).

Prints, per request and per message of the worker's part: statements (with the distinct statement
shapes and their counts), Python function calls (cProfile's count, which does not depend on the load),
the CPU time (that one does) and, with --verbose, the top functions by cumulative and own time. The
senders are returning customers (`--senders` of them, each wrote once during the warm-up), as most of a
campaign's answers are; with `--new-senders` every measured message comes from a phone never seen (a new
customer, identity and conversation each: bench_inbound.py's latency phase, the lane's costly case).
The worker's part is told in two: the priority lane's (core.priority: the store step and the push,
run as its consumer runs it, the reactions its drains commit handed over to the main queue) and the
other reactions' (the main queue: the bot's turn, sentiment, analytics, the new conversation's). `--reuse` keeps the database `omnicanal_bench_inbound_cpu` seeded by an earlier
run (BENCH_INBOUND_CPU_DB names another; under valgrind: seed it first without).

The worker's part runs in this process as the worker runs it: the huey tasks the requests' commits
enqueued (coalesced wake-ups, core.outbox._Wakes, every event of the run within one window so that
the tasks do not depend on the machine's speed) are taken from Redis and executed until none is left.
"""

from __future__ import annotations

import cProfile
import io
import math
import os
import pstats
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator

from bench_inbound import _body, _phones, _signature  # bench/ is on the path
from bench_inbound import _setup as _inbox_team_and_agent
from bench_order_cpu import _callgrind_on, _setup, _urls  # the same set-up

DB_NAME = os.environ.get("BENCH_INBOUND_CPU_DB") or "omnicanal_bench_inbound_cpu"  # one per helper sharing a server
REDIS_URL = os.environ.get("BENCH_INBOUND_CPU_REDIS_URL") or "redis://127.0.0.1:6379/14"
TOPIC = "conversations.InboundAccepted"


def _seed() -> None:
    """The schema, then bench_inbound.py's WhatsApp inbox, default team and available agent."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _inbox_team_and_agent()


class _Server:
    """Django's WSGI handler called as a server calls it (request_started/finished fire: the pooled
    connection is taken and given back per request), behind the TLS-terminating proxy. With `asgi`,
    the product's ASGI application (web/asgi.py) as uvicorn calls it, on one event loop: its thread
    hops to the sync thread included (cProfile and the statement count then see only the event loop's
    thread: use the CPU time and callgrind, which see every thread)."""

    def __init__(self, phones: list[str], asgi: bool = False):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.phones = phones
        self.n = int.from_bytes(os.urandom(3), "big") * 1_000_000  # provider ids of this run's own
        self.fresh: Iterator[str] | None = None  # --new-senders: each message from a phone never seen
        self.asgi = None
        if asgi:
            import asyncio

            from omnicanal.web.asgi import application

            self.asgi, self.loop = application, asyncio.new_event_loop()

    def webhook(self) -> tuple[str, bytes]:
        self.n += 1
        phone = next(self.fresh) if self.fresh is not None else self.phones[self.n % len(self.phones)]
        body = _body(self.n, phone)
        signature = _signature(body)
        if self.asgi is not None:
            return self._asgi(body, signature)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks/whatsapp", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "127.0.0.1:8000", "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_HUB_SIGNATURE_256": signature,
        }
        status = []
        response = self.handler(environ, lambda s, h, *a: status.append(s))
        content = b"".join(response)
        response.close()
        return status[0], content


    def _asgi(self, body: bytes, signature: str) -> tuple[str, bytes]:
        import asyncio

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/webhooks/whatsapp", "raw_path": b"/webhooks/whatsapp", "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode()), (b"x-forwarded-proto", b"https"),
                             (b"x-hub-signature-256", signature.encode())],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
        inbound = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict] = []

        async def receive() -> dict:
            if inbound:
                return inbound.pop()
            await asyncio.Event().wait()  # no disconnect: the request is answered first
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        self.loop.run_until_complete(self.asgi(scope, receive, send))
        return str(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


def _fresh_phones() -> Iterator[str]:
    """Valid Chilean mobiles from a random point of the range (a --reuse run's are new too)."""
    import phonenumbers

    n = 50_000_000 + int.from_bytes(os.urandom(3), "big") * 2
    while True:
        n += 7
        digits = f"569{n:08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+{digits}")):
            yield digits


def _coalesce_wakes() -> None:
    """Every event of the run within one wake-up window (core.outbox._Wakes): a topic's first event
    wakes the worker, the others wait for the trailing wake-up, which _work sends when the queue is
    empty. So the tasks, and the batches they drain, do not depend on how fast this machine runs
    (at a campaign's rate, 100 ms windows hold many messages, as here)."""
    from omnicanal.core import outbox

    outbox._wakes.window = outbox._priority_wakes.window = 3600.0


def _work(*, lane_only: bool = False) -> int:
    """The worker's part: run the huey tasks waiting in Redis, the priority lane's first (the store
    step: core.priority, its reactions handed over to the main queue as its consumer does), and those
    they enqueue, then the trailing wake-ups, until none is left (`lane_only`: the lane's alone).
    Returns how many tasks ran."""
    from huey.contrib.djhuey import HUEY

    from omnicanal.core import outbox, priority

    ran = 0
    while True:
        queue = priority.QUEUE
        task = queue.dequeue()
        if task is not None:
            with outbox.handing_over_reactions(priority._hand_over):
                queue.execute(task)
            ran += 1
            continue
        if not lane_only:
            task = HUEY.dequeue()
        if task is not None:
            HUEY.execute(task)
            ran += 1
            continue
        trailing = []
        for wakes in (outbox._priority_wakes,) if lane_only else (outbox._priority_wakes, outbox._wakes):
            with wakes.cond:
                trailing += [(wakes, topic, event_id) for topic, event_id in wakes.pending.items()]
                wakes.pending.clear()
        if not trailing:
            return ran
        for wakes, topic, event_id in trailing:
            wakes.entry(topic, event_id)


def _shape(sql: str) -> str:
    sql = " ".join(sql.split())
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"(%s|\?)(, (%s|\?))+", "?…", sql)
    return sql[:150]


def _print_statements(label: str, statements: list[str], per: int) -> None:
    print(f"  statements/{label:<9}: {len(statements) / per:.2f}")
    for shape, n in Counter(_shape(s) for s in statements).most_common(25):
        print(f"      {n / per:6.2f} x {shape}")


def _counted(run, statements: list[str]):
    from django.db import connection

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        return run()


def _profiled(label: str, run, per: int, verbose: bool) -> object:
    profile = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
    profile.enable()
    result = run()
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"  Python calls/{label:<7}: {stats.total_calls / per:,.0f} ({stats.prim_calls / per:,.0f} primitive)"
          f"  [cProfile, {per}]")
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
    if verbose:
        print(out.getvalue())
    stats.dump_stats(f"/tmp/omnicanal-bench-inbound-cpu-{label}-{DB_NAME}.pstats")  # one per helper
    return result


def _batch(server: _Server, size: int) -> None:
    for _ in range(size):
        status, content = server.webhook()
        assert status.startswith("200") and b'"received": 1' in content.replace(b'":1', b'": 1'), (status, content)


def main(argv: list[str]) -> None:
    reuse = "--reuse" in argv
    verbose = "--verbose" in argv
    new_senders = "--new-senders" in argv
    asgi = "--asgi" in argv
    argv = [a for a in argv if a not in ("--reuse", "--verbose", "--new-senders", "--asgi")]
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    size, senders, profiled = int(args.get("--batch", 100)), int(args.get("--senders", 20)), int(args.get("--profile", 1))
    admin_url, url = _urls(DB_NAME)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    _setup(admin_url, url, reuse, DB_NAME, REDIS_URL)
    if not reuse:
        _seed()
    _coalesce_wakes()
    server = _Server(_phones(senders), asgi=asgi)
    _batch(server, senders)  # warm: imports, translations, the pool; each sender becomes a customer
    _work()
    if new_senders:
        server.fresh = _fresh_phones()
    _batch(server, 5)
    _work()
    request_statements: list[str] = []
    _counted(lambda: _batch(server, 1), request_statements)
    _work()
    who = "new senders (each message from a phone never seen)" if new_senders else f"{senders} returning senders"
    print(f"inbound CPU: one process, {'ASGI application' if asgi else 'WSGI handler'}, PostgreSQL, Redis; {who}; "
          f"load average {open('/proc/loadavg').read().split()[:3]}")
    if size:
        _callgrind_on("BENCH_INBOUND_CPU_CALLGRIND")
        math.perm(5, 2)  # callgrind --zero-before=math_perm: the requests' count starts here
        began, cpu = time.perf_counter(), time.process_time()
        _batch(server, size)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        math.comb(5, 2)  # callgrind --dump-before=math_comb: the requests' count is dumped here
        math.perm(5, 2)  # and the lane's starts
        lane_cpu = time.process_time()
        lane_tasks = _work(lane_only=True)
        lane_cpu = time.process_time() - lane_cpu
        math.comb(5, 2)  # the lane's count is dumped here
        math.perm(5, 2)  # and the other reactions' starts
        worker_cpu = time.process_time()
        tasks = _work()
        worker_cpu = time.process_time() - worker_cpu
        math.comb(5, 2)  # the reactions' count is dumped here
        print(f"  CPU per request    : {cpu / size * 1000:.2f} ms (wall {wall / size * 1000:.2f} ms)  [load-dependent]")
        print(f"  CPU per message    : {lane_cpu / size * 1000:.2f} ms in the priority lane ({lane_tasks} tasks), "
              f"{worker_cpu / size * 1000:.2f} ms in the other reactions ({tasks} tasks) for {size} messages"
              f"  [load-dependent]")
    _print_statements("request", request_statements, 1)
    if profiled:
        _profiled("request", lambda: _batch(server, size), size, verbose)
        _profiled("lane", lambda: _work(lane_only=True), size, verbose)
        _profiled("message", _work, size, verbose)
        lane_statements: list[str] = []
        worker_statements: list[str] = []
        _batch(server, size)
        _counted(lambda: _work(lane_only=True), lane_statements)
        _counted(_work, worker_statements)
        _print_statements("lane", lane_statements, size)
        _print_statements("reactions", worker_statements, size)
    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main(sys.argv[1:])

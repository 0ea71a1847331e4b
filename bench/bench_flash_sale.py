"""A flash sale over HTTP: buyers POST /api/v1/orders for one hot SKU through several uvicorn workers on
PostgreSQL, with the background worker running and Redis as in production (huey's queue, the cache). Beside it, in the same run, the bare HTTP ceiling:
the same workers answering `POST /bench/bare` (bench/flash_sale_site.py, a bench-only view: one
conditional UPDATE and one INSERT in one statement) for the same number of buyers and units, once
before and once after the sale (their mean is the ceiling).

Prints buyers answered/s (every answer, 201 or 409) and orders placed/s (201s while the stock
lasted: from the start to the last 201), the same two for the ceiling and their ratios, latency
p50/p99, units oversold (must be 0), the peak memory (VmHWM, the peak RSS) of every uvicorn worker
and of the background worker, the CPU split per answer (web workers / background worker / PostgreSQL,
from /proc), the worker's backlog (events pending at the sale's end, the seconds it took to take them
and its CPU per placed order then: the reactions wait while a burst holds the cores, core.busy), and
the load average (the machine is shared). Both ceiling runs start once the worker is idle.

    .venv/bin/python bench/bench_flash_sale.py [--buyers 400] [--clients 16] [--units 100] [--workers 2 per core]
    .venv/bin/python bench/bench_flash_sale.py --big      # 4,000 buyers, 64 clients, 1,000 units

Recreates `omnicanal_bench_flash_sale` on DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432) and empties Redis database 10 (BENCH_FLASH_SALE_REDIS_URL to change it)
before and after. Each buyer POSTs /api/v1/orders with its own Idempotency-Key;
expected: exactly `units` answers 201 and the rest 409 insufficient-stock. Goals: both rates >= 50 %
of the ceiling's, 0 oversold, peak RSS <= 200 MB per process.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DB_NAME = os.environ.get("BENCH_FLASH_SALE_DB") or "omnicanal_bench_flash_sale"  # a name of its own beside other runs
SKU = "FLASH-1"
WARM_SKU = "WARM-1"  # the warm-up's own stock: each worker places real orders before the clock starts
WARM_UNITS = 1000
ROOT = Path(__file__).resolve().parent.parent
# The server's and the worker's files (media, locks); removed at the end.
VAR_DIR = tempfile.mkdtemp(prefix="omnicanal-bench-flash-")
# Redis as in production (huey's queue, the cache, the channel layer, throttles), on a database number
# of the bench's own (bench_inbound uses 9, bench_cluster 14), emptied before and after the run.
REDIS_URL = os.environ.get("BENCH_FLASH_SALE_REDIS_URL") or "redis://127.0.0.1:6379/10"


def _recommended_workers() -> int:
    """Two uvicorn workers per core, as docs/operations.md recommends for `omnicanal serve --workers`
    (until 2026-12-08 the bench ran 8 on any machine: four per core here, where the sale's order path
    lost more to the switching between them than the bare ceiling did)."""
    return 2 * (os.cpu_count() or 1)


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _env(url: str) -> dict:
    env = dict(os.environ)
    # Under ASGI each request may run in another thread: Django's docs say persistent connections
    # leak there, so the server closes its connection after each request (CONN_MAX_AGE=0).
    env.update({"DATABASE_URL": url, "CONN_MAX_AGE": "0", "DJANGO_SETTINGS_MODULE": "flash_sale_site",
                "OMNICANAL_ENV": "development",
                "LOG_LEVEL": "WARNING", "OMNICANAL_VAR": VAR_DIR, "REDIS_URL": REDIS_URL,
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "bench"), str(ROOT / "src"),
                                                            env.get("PYTHONPATH", "")) if p)})
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    return env


def _prepare(admin_url: str, url: str, units: int) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(_env(url))
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.core.money import Money
    from omnicanal.core.services import do_create_api_key
    from omnicanal.inventory import services as inventory

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        catalog.do_ensure_default_channels()
        catalog.do_create_product(name_es="Zapatilla flash", category=catalog.do_ensure_category(ref="bench"),
                                  price=Money.of("39990"), variants=[catalog.VariantSpec(sku=SKU)])
        catalog.do_create_product(name_es="Calcetín de calentamiento", category=catalog.do_ensure_category(ref="bench"),
                                  price=Money.of("4990"), variants=[catalog.VariantSpec(sku=WARM_SKU)])
        wh = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                          lat=-33.389, lon=-70.775)
        inventory.do_receive_stock(location=wh, lines=[(SKU, units), (WARM_SKU, WARM_UNITS)], reference="bench")
        key = do_create_api_key(role="integration", name="bench")
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_flash_stock (id int PRIMARY KEY, units int NOT NULL)")
        cursor.execute("CREATE TABLE bench_flash_sold (id bigserial PRIMARY KEY, buyer text NOT NULL, "
                       "at timestamptz NOT NULL DEFAULT now())")
    connections.close_all()
    return f"Bearer {key.secret}"


def _clear_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _reset_bare(units: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_flash_sold")
        cursor.execute("DELETE FROM bench_flash_stock")
        cursor.execute("INSERT INTO bench_flash_stock VALUES (1, %s)", [units])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("uvicorn did not start")


ORDER_BODY = json.dumps({"channel": "web", "lines": [{"sku": SKU, "quantity": 1}],
                         "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago",
                                                                    "country": "CL"}}})
WARM_BODY = ORDER_BODY.replace(SKU, WARM_SKU)


def _client(port: int, auth: str, path: str, jobs: list[int], out: list, lock: threading.Lock,
            start: threading.Barrier, t0: list):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    mine = []
    start.wait()
    for buyer in jobs:
        sent = time.perf_counter()
        conn.request("POST", path, ORDER_BODY, {
            "Content-Type": "application/json", "Authorization": auth, "Idempotency-Key": f"{path}-buyer-{buyer}"})
        r = conn.getresponse()
        payload = r.read()
        done = time.perf_counter()
        mine.append((done - sent, r.status, payload[:200], done))
    with lock:
        out.extend(mine)


def _sale(port: int, auth: str, path: str, buyers: int, clients: int, first: int = 0) -> tuple[list, float]:
    """Every buyer once, `clients` at a time: (answers, seconds). An answer: (latency, status, body, end).
    Buyers are numbered from `first` (their Idempotency-Keys), so a second sale on the same site is new."""
    results: list = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    t0: list = []
    threads = [threading.Thread(target=_client, args=(port, auth, path, list(range(first + i, first + buyers, clients)), results,
                                                      lock, start, t0)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return [(lat, status, body, end - began) for lat, status, body, end in results], elapsed


def _rates(results: list, elapsed: float) -> tuple[float, float, int]:
    """(buyers answered/s, orders placed/s while the stock lasted, placed)."""
    placed = [end for _, status, _, end in results if status == 201]
    lasted = max(placed) if placed else elapsed
    return len(results) / elapsed, (len(placed) / lasted if placed else 0.0), len(placed)


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set size (VmHWM) in MB, from /proc."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system), from /proc; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "postgres":
                        found.append(int(entry))
            except OSError:
                continue
    return found


class CpuSplit:
    """CPU seconds spent by the web workers, the background worker and PostgreSQL during one run: where
    a request's cost goes (the machine has two cores; whatever one side spends, the others lack)."""

    def __init__(self, server: int, worker: int) -> None:
        self.groups = {"web": lambda: _children(server), "worker": lambda: [worker, *_children(worker)],
                       "postgres": _postgres_pids}

    def __enter__(self) -> CpuSplit:
        self.before = {name: {pid: _cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}
        return self

    def __exit__(self, *exc) -> None:
        self.spent = {}
        for name, pids in self.groups.items():
            start = self.before[name]
            self.spent[name] = sum(_cpu_seconds(pid) - start.get(pid, 0.0) for pid in pids())

    def per_answer_ms(self, answers: int) -> str:
        return " / ".join(f"{name} {1000 * spent / answers:.2f}" for name, spent in self.spent.items())


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def main(argv: list[str]) -> None:
    big = "--big" in argv
    argv = [a for a in argv if a != "--big"]
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    buyers = int(args.get("--buyers", 4000 if big else 400))
    clients = int(args.get("--clients", 64 if big else 16))
    units = int(args.get("--units", 1000 if big else 100))
    workers = int(args.get("--workers", _recommended_workers()))
    admin_url, url = _urls()
    _clear_redis()
    auth = _prepare(admin_url, url, units)
    port = _free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/uvicorn"), "omnicanal.web.asgi:application", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=_env(url), cwd=ROOT)
    worker = subprocess.Popen([str(ROOT / ".venv/bin/omnicanal"), "worker"], env=_env(url), cwd=ROOT,
                              stdout=subprocess.DEVNULL)
    load_before = _loadavg()
    try:
        _wait_up(port)
        # warm every worker (imports, connections) before the clock starts
        warm = [threading.Thread(target=_ping, args=(port, auth)) for _ in range(workers * 4)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        _settle(worker.pid)
        _reset_bare(units)
        with CpuSplit(server.pid, worker.pid) as bare_cpu:
            bare_before, bare_before_s = _sale(port, auth, "/bench/bare", buyers, clients)
        with CpuSplit(server.pid, worker.pid) as sale_cpu:
            results, elapsed = _sale(port, auth, "/api/v1/orders", buyers, clients)
        backlog_at_end = _pending_events()
        # The reactions wait while a burst holds the cores (core.busy): the ceiling's second run
        # starts once the worker has taken the sale's backlog, or it would pay for the sale's reactions.
        with CpuSplit(server.pid, worker.pid) as catch_up_cpu:
            caught_up_s = _settle(worker.pid, most=120.0)
        _reset_bare(units)
        bare_after, bare_after_s = _sale(port, auth, "/bench/bare", buyers, clients)
        backlog_after = _pending_events()
        web_pids = _children(server.pid)
        web_rss = [r for r in (_peak_rss_mb(pid) for pid in web_pids) if r is not None]
        worker_pids = [worker.pid, *_children(worker.pid)]
        worker_rss = [r for r in (_peak_rss_mb(pid) for pid in worker_pids) if r is not None]
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    from django.db.models import F

    from omnicanal.inventory.models import StockLevel
    from omnicanal.orders.models import Order

    answered, placed_rate, ok = _rates(results, elapsed)
    ceilings = [_rates(bare_before, bare_before_s), _rates(bare_after, bare_after_s)]
    bare_answered = sum(c[0] for c in ceilings) / 2
    bare_placed = sum(c[1] for c in ceilings) / 2
    short = sum(1 for _, status, body, _ in results if status == 409 and b"insufficient-stock" in body)
    other = [(status, body) for _, status, body, _ in results if status not in (201, 409)]
    latencies = sorted(lat * 1000 for lat, _, _, _ in results)
    row = StockLevel.objects.get(variant__sku=SKU)
    orders = Order.objects.filter(lines__sku=SKU).distinct().count()
    oversold = max(0, orders - units) + StockLevel.objects.filter(reserved__gt=F("on_hand")).count()
    print(f"flash sale: {buyers} buyers, {clients} clients, {units} units, {workers} uvicorn workers + the "
          f"background worker, PostgreSQL, Redis ({REDIS_URL}); load average {load_before} before, {_loadavg()} after")
    print(f"  buyers answered/s : {answered:8.1f}  ({len(results)} in {elapsed:.2f} s)   ceiling {bare_answered:8.1f}"
          f"  = {answered / bare_answered:.0%}")
    print(f"  orders placed/s   : {placed_rate:8.1f}  ({ok} while the stock lasted)      ceiling {bare_placed:8.1f}"
          f"  = {placed_rate / bare_placed if bare_placed else 0:.0%}")
    print(f"  ceiling runs      : bare UPDATE+INSERT endpoint, before {ceilings[0][0]:.1f} / after {ceilings[1][0]:.1f}"
          f" answered/s, {ceilings[0][2]} / {ceilings[1][2]} sold")
    print(f"  orders placed     : {ok} (201)   refused insufficient-stock: {short} (409)   other: {len(other)}")
    print(f"  latency p50 / p99 : {statistics.median(latencies):.1f} ms / {_pct(latencies, 0.99):.1f} ms")
    for label, code in (("placed (201)", 201), ("refused (409)", 409)):
        some = sorted(lat * 1000 for lat, status, _, _ in results if status == code)
        if some:
            print(f"  {label:<17} : p50 {statistics.median(some):.1f} ms, p99 {_pct(some, 0.99):.1f} ms")
    print(f"  CPU ms per answer : sale {sale_cpu.per_answer_ms(len(results))}; "
          f"ceiling (before) {bare_cpu.per_answer_ms(len(bare_before))}")
    print(f"  worker's backlog  : {backlog_at_end} events pending when the sale's last answer came, taken "
          f"{caught_up_s:.1f} s after it (CPU ms per placed order then: {catch_up_cpu.per_answer_ms(max(ok, 1))}), "
          f"{backlog_after} pending after the ceiling's second run")
    print(f"  units oversold    : {oversold}   (reserved {row.reserved} of {row.on_hand} on hand, {orders} orders)")
    print(f"  peak RSS          : web processes {', '.join(f'{r:.0f}' for r in sorted(web_rss))} MB "
          f"(max {max(web_rss, default=0):.0f} MB); background worker "
          f"{', '.join(f'{r:.0f}' for r in worker_rss)} MB (goal <= 200 MB each)")
    if other:
        print(f"  first unexpected answer: {other[0]}")
    shutil.rmtree(VAR_DIR, ignore_errors=True)
    _clear_redis()


def _settle(worker: int, most: float = 30.0) -> float:
    """Let the background worker take the warm-up orders' events before the clock starts (their
    reactions would otherwise run during the ceiling's first run): until none is pending, or none was
    taken for 3 s (an event some handler keeps for later), or `most` seconds; then until the worker
    is idle (under 2 % of a core over half a second: a drain may still be writing after the last
    event is marked done). Returns the seconds until the last event was taken."""
    from omnicanal.core.models import OutboxEvent, OutboxStatus

    began = time.monotonic()
    end, last, still = began + most, None, began
    while time.monotonic() < end:
        pending = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()
        if pending == 0 or (pending == last and time.monotonic() - still > 3):
            break
        if pending != last:
            last, still = pending, time.monotonic()
        time.sleep(0.2)
    taken = time.monotonic() - began
    pids = [worker, *_children(worker)]
    while time.monotonic() < end:
        before = sum(_cpu_seconds(pid) for pid in pids)
        time.sleep(0.5)
        if sum(_cpu_seconds(pid) for pid in pids) - before < 0.01:
            break
    return taken


def _pending_events() -> int:
    from omnicanal.core.models import OutboxEvent, OutboxStatus

    return OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()


def _ping(port: int, auth: str) -> None:
    """Warm a worker's order path (imports, compiled queries, prepared statements, translations) with a
    placed order of the warm-up SKU (its own stock: the sale's SKU is untouched) and a refused one, and
    the ceiling's path with bare requests (session 16: warming with refusals alone left each worker's
    first placed order cold, up to a second on the slower machine, and that tail set the placed rate): since 2026-12-07 an API-key request takes a lean chain and
    one thread hop (core/lean.py, web/handler.py), so warming the order alone left the bare view's
    full chain and Django's ASGI path cold for the ceiling's first run (the units it takes are put back
    by _reset_bare before the clock starts)."""
    body = {"channel": "web", "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}],
            "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago", "country": "CL"}}}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n in range(3):
            conn.request("POST", "/api/v1/orders", json.dumps(body), {"Content-Type": "application/json",
                                                                      "Authorization": auth})
            conn.getresponse().read()
            conn.request("POST", "/api/v1/orders", WARM_BODY, {"Content-Type": "application/json", "Authorization": auth,
                                                               "Idempotency-Key": f"warm-order-{threading.get_ident()}-{n}"})
            conn.getresponse().read()
            conn.request("POST", "/bench/bare", ORDER_BODY, {"Content-Type": "application/json", "Authorization": auth,
                                                             "Idempotency-Key": f"warm-{threading.get_ident()}-{n}"})
            conn.getresponse().read()
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])

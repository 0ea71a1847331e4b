"""A flash sale over HTTP: 400 buyers, 16 concurrent clients, 100 units, several uvicorn workers on
PostgreSQL. Prints orders (placement answers) per second, p50/p99 latency, and units oversold (must
be 0).

    .venv/bin/python bench/bench_flash_sale.py [--buyers 400] [--clients 16] [--units 100] [--workers 8]

Recreates `omnicanal_bench_flash_sale` on DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432). Each buyer POSTs /api/v1/orders with its own Idempotency-Key;
expected: exactly `units` answers 201 and the rest 409 insufficient-stock.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DB_NAME = "omnicanal_bench_flash_sale"
SKU = "FLASH-1"
ROOT = Path(__file__).resolve().parent.parent


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _env(url: str) -> dict:
    env = dict(os.environ)
    # Under ASGI each request may run in another thread: Django's docs say persistent connections
    # leak there, so the server closes its connection after each request (CONN_MAX_AGE=0).
    env.update({"DATABASE_URL": url, "CONN_MAX_AGE": "0", "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings",
                "LOG_LEVEL": "WARNING"})
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    return env


def _prepare(admin_url: str, url: str, units: int) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(_env(url))
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
        wh = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                          lat=-33.389, lon=-70.775)
        inventory.do_receive_stock(location=wh, lines=[(SKU, units)], reference="bench")
        key = do_create_api_key(role="integration", name="bench")
    from django.db import connections

    connections.close_all()
    return f"Bearer {key.secret}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, timeout: float = 60) -> None:
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


def _client(port: int, auth: str, jobs: list[int], out: list, lock: threading.Lock, start: threading.Barrier):
    body = {"channel": "web", "lines": [{"sku": SKU, "quantity": 1}],
            "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago", "country": "CL"}}}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    mine = []
    start.wait()
    for buyer in jobs:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/orders", json.dumps(body), {
            "Content-Type": "application/json", "Authorization": auth, "Idempotency-Key": f"buyer-{buyer}"})
        r = conn.getresponse()
        payload = r.read()
        mine.append((time.perf_counter() - t0, r.status, payload[:200]))
    with lock:
        out.extend(mine)


def main(argv: list[str]) -> None:
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    buyers, clients = int(args.get("--buyers", 400)), int(args.get("--clients", 16))
    units, workers = int(args.get("--units", 100)), int(args.get("--workers", 8))
    admin_url, url = _urls()
    auth = _prepare(admin_url, url, units)
    port = _free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/uvicorn"), "omnicanal.web.asgi:application", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=_env(url), cwd=ROOT)
    try:
        _wait_up(port)
        # warm every worker (imports, connections) before the clock starts
        warm = [threading.Thread(target=_ping, args=(port, auth)) for _ in range(workers * 4)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        results: list = []
        lock = threading.Lock()
        start = threading.Barrier(clients + 1)
        threads = [threading.Thread(target=_client, args=(port, auth, list(range(i, buyers, clients)), results, lock,
                                                          start)) for i in range(clients)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    from django.db.models import F

    from omnicanal.inventory.models import StockLevel
    from omnicanal.orders.models import Order

    ok = sum(1 for _, status, _ in results if status == 201)
    short = sum(1 for _, status, body in results if status == 409 and b"insufficient-stock" in body)
    other = [(status, body) for _, status, body in results if status not in (201, 409)]
    latencies = sorted(lat * 1000 for lat, _, _ in results)
    row = StockLevel.objects.get()
    orders = Order.objects.count()
    oversold = max(0, orders - units) + StockLevel.objects.filter(reserved__gt=F("on_hand")).count()
    print(f"flash sale: {buyers} buyers, {clients} clients, {units} units, {workers} uvicorn workers, PostgreSQL")
    print(f"  orders answered/s : {len(results) / elapsed:8.1f}  ({len(results)} in {elapsed:.2f} s)")
    print(f"  orders placed     : {ok} (201)   refused insufficient-stock: {short} (409)   other: {len(other)}")
    print(f"  latency p50 / p99 : {statistics.median(latencies):.1f} ms / "
          f"{latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.1f} ms")
    for label, code in (("placed (201)", 201), ("refused (409)", 409)):
        some = sorted(lat * 1000 for lat, status, _ in results if status == code)
        if some:
            print(f"  {label:<17} : p50 {statistics.median(some):.1f} ms, p99 "
                  f"{some[min(len(some) - 1, int(len(some) * 0.99))]:.1f} ms")
    print(f"  units oversold    : {oversold}   (reserved {row.reserved} of {row.on_hand} on hand, {orders} orders)")
    if other:
        print(f"  first unexpected answer: {other[0]}")


def _ping(port: int, auth: str) -> None:
    """Warm a worker's order path (imports, compiled queries, translations) with a refused order."""
    body = {"channel": "web", "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}],
            "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago", "country": "CL"}}}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):
            conn.request("POST", "/api/v1/orders", json.dumps(body), {"Content-Type": "application/json",
                                                                      "Authorization": auth})
            conn.getresponse().read()
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])

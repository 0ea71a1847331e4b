"""One order's cost through the API, independent of the machine's load: statements and Python function
calls per `POST /api/v1/orders`, in one process, through Django's own WSGI handler (the middleware a
request goes through: an API-key request takes core/lean.py's lean chain since 2026-12-07, the bare
view the full chain; the pooled connection taken and given back per request, as a server does; the
ASGI handler's thread hops are not counted here), on PostgreSQL with Redis as
in production (the cache, throttles and huey's queue; database 12, emptied before and after).

    .venv/bin/python bench/bench_order_cpu.py [--kind order|refused|bare] [--orders 200] [--lines 1] [--profile 30] [--reuse]
    BENCH_ORDER_CPU_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no --zero-before=math_perm \
        --dump-before=math_comb .venv/bin/python bench/bench_order_cpu.py --reuse --orders 20 --profile 0
        # instructions: the dump ending in .1 holds the 20 orders' alone ("summary:" / 20)

`--kind refused` measures a buyer refused once the stock is gone (409 insufficient-stock, the flash
sale's three buyers in four), `--kind bare` the flash sale's bare HTTP ceiling (bench/flash_sale_urls.py,
the same middleware): the ratios the flash sale prints are, on a CPU-bound machine, about bare / order
(orders placed/s) and bare / the mix of one order and three refusals (buyers answered/s).

Prints, per placed order: statements (and the distinct statement shapes with their counts), Python
function calls (cProfile's count, which does not depend on the load), the CPU time per order (that one
does) and the top functions by own time and by calls. `--lines 3` places multi-line orders (three SKUs),
the bench's flash sale places one line. `--reuse` keeps the database `omnicanal_bench_order_cpu` seeded
by an earlier run (under valgrind: seed it first without); `BENCH_ORDER_CPU_DB` names that database
(each helper its own; the key's file is named after it) and `BENCH_ORDER_CPU_REDIS_URL` the Redis database.
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import os
import pstats
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DB_NAME = os.environ.get("BENCH_ORDER_CPU_DB") or "omnicanal_bench_order_cpu"  # a name of its own per helper
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_ORDER_CPU_REDIS_URL") or "redis://127.0.0.1:6379/12"
SKUS = ["CPU-1", "CPU-2", "CPU-3"]
SOLD_OUT = "CPU-SOLD-OUT"
# What a request is: an order placed (201), a buyer refused once the stock is gone (409
# insufficient-stock), or the flash sale's bare ceiling (bench/flash_sale_urls.py: one conditional
# UPDATE + one INSERT, 201). The flash sale's two ratios are about bare / order and bare / the mix.
KINDS = {"order": "/api/v1/orders", "refused": "/api/v1/orders", "bare": "/bench/bare"}
STATUS = {"order": "201", "refused": "409", "bare": "201"}


def _urls(db_name: str = DB_NAME) -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{db_name}"))


def _setup(admin_url: str, url: str, reuse: bool, db_name: str = DB_NAME, redis_url: str = REDIS_URL,
           settings_module: str = "omnicanal.web.settings") -> None:
    """The bench's database (made again unless `reuse`), settings as in production, Django set up
    (bench_inbound_cpu.py shares it). `flash_sale_site` adds the flash sale's bare view (bench/ on the path)."""
    import psycopg

    if not reuse:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings_module,
                       "OMNICANAL_ENV": "development", "LOG_LEVEL": "WARNING", "REDIS_URL": redis_url})
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
    import django

    django.setup()


def _seed() -> str:
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.core.money import Money
    from omnicanal.core.services import do_create_api_key
    from omnicanal.inventory import services as inventory

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        catalog.do_ensure_default_channels()
        category = catalog.do_ensure_category(ref="bench")
        for sku in SKUS:
            catalog.do_create_product(name_es=f"Producto {sku}", category=category, price=Money.of("39990"),
                                      variants=[catalog.VariantSpec(sku=sku)])
        wh = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                          lat=-33.389, lon=-70.775)
        inventory.do_receive_stock(location=wh, lines=[(sku, 1_000_000) for sku in SKUS], reference="bench")
        # The flash sale's state once it is over: every unit on hand reserved, each buyer refused (--kind refused).
        catalog.do_create_product(name_es="Producto agotado", category=category, price=Money.of("39990"),
                                  variants=[catalog.VariantSpec(sku=SOLD_OUT)])
        inventory.do_receive_stock(location=wh, lines=[(SOLD_OUT, 1)], reference="bench")
        inventory.do_reserve(reference="bench-sold", channel="web", expires_in=None,
                             lines=[inventory.ReserveLine(SOLD_OUT, 1)])
        key = do_create_api_key(role="integration", name="bench")
    from django.db import connection

    with connection.cursor() as cursor:  # the bare ceiling's tables (bench/flash_sale_urls.py, --kind bare)
        cursor.execute("CREATE TABLE bench_flash_stock (id int PRIMARY KEY, units int NOT NULL)")
        cursor.execute("CREATE TABLE bench_flash_sold (id bigserial PRIMARY KEY, buyer text NOT NULL, "
                       "at timestamptz NOT NULL DEFAULT now())")
        cursor.execute("INSERT INTO bench_flash_stock VALUES (1, 1000000000)")
    (Path(os.environ.get("OMNICANAL_VAR", "/tmp")) / f"{DB_NAME}.key").write_text(key.secret)
    return key.secret


def _secret() -> str:
    return (Path(os.environ.get("OMNICANAL_VAR", "/tmp")) / f"{DB_NAME}.key").read_text()


def _body(lines: int, kind: str = "order") -> bytes:
    skus = [SOLD_OUT] if kind == "refused" else SKUS[:lines]
    return json.dumps({"channel": "web", "lines": [{"sku": sku, "quantity": 1} for sku in skus],
                       "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago",
                                                                  "country": "CL"}}}).encode()


class _Server:
    """Django's WSGI handler called as a server calls it (request_started/finished fire: the pooled
    connection is taken and given back per request)."""

    def __init__(self, secret: str, body: bytes, path: str = "/api/v1/orders"):
        from django.core.handlers.wsgi import WSGIHandler

        self.path = path
        self.handler = WSGIHandler()
        self.secret = secret
        self.body = body
        self.n = 0
        self.run = os.urandom(4).hex()

    def order(self) -> tuple[str, bytes]:
        self.n += 1
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": self.path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(self.body), "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(self.body)),
            "HTTP_HOST": "127.0.0.1:8000", "HTTP_AUTHORIZATION": f"Bearer {self.secret}",
            "HTTP_IDEMPOTENCY_KEY": f"cpu-{self.run}-{self.n}",
        }
        status = []
        response = self.handler(environ, lambda s, h, *a: status.append(s))
        content = b"".join(response)
        response.close()
        return status[0], content


def _callgrind_on(variable: str = "BENCH_ORDER_CPU_CALLGRIND") -> None:
    """Under callgrind started with --instr-atstart=no (CALLGRIND=1): instrument from here on, the
    start-up and the warm-up ran uninstrumented (fast). Spins until callgrind took the order."""
    if not os.environ.get(variable):
        return
    control = subprocess.Popen(["callgrind_control", "-i", "on", str(os.getpid())], stdout=subprocess.DEVNULL)
    while control.poll() is None:
        pass


def _shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return sql[:150]


def main(argv: list[str]) -> None:
    reuse = "--reuse" in argv
    argv = [a for a in argv if a != "--reuse"]
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    orders, lines, profiled = int(args.get("--orders", 200)), int(args.get("--lines", 1)), int(args.get("--profile", 30))
    kind = args.get("--kind", "order")
    admin_url, url = _urls()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    _setup(admin_url, url, reuse, settings_module="flash_sale_site")
    secret = _secret() if reuse else _seed()
    from django.db import connection

    server = _Server(secret, _body(lines, kind), KINDS[kind])
    for _ in range(5):  # warm: imports, translations, compiled schemas, the pool
        status, content = server.order()
        assert status.startswith(STATUS[kind]), (status, content[:300])
    if kind == "refused":
        # As in a flash sale once sold out: the key placed an order a moment ago, so its last use is
        # fresh (a refusal's transaction rolls back, the key's `last_used_at` with it, core.auth).
        status, content = _Server(secret, _body(1)).order()
        assert status.startswith("201"), (status, content[:300])
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status, _ = server.order()
    per_order = list(statements)
    statements.clear()
    if orders:
        _callgrind_on()
        math.perm(5, 2)  # callgrind --zero-before=math_perm: the count starts here
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(orders):
            server.order()
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        math.comb(5, 2)  # callgrind --dump-before=math_comb: the orders' count is dumped here
        print(f"{kind} CPU: {orders} requests of {lines} line(s), one process, WSGI handler, PostgreSQL, Redis; "
              f"load average {open('/proc/loadavg').read().split()[:3]}")
        print(f"  CPU per order      : {cpu / orders * 1000:.2f} ms (wall {wall / orders * 1000:.2f} ms)  [load-dependent]")
    print(f"  statements/order   : {len(per_order)}")
    for shape, n in Counter(_shape(s) for s in per_order).most_common():
        print(f"      {n} x {shape}")
    if profiled:
        profile = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
        profile.enable()
        for _ in range(profiled):
            server.order()
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"  Python calls/order : {stats.total_calls / profiled:,.0f} "
              f"({stats.prim_calls / profiled:,.0f} primitive)  [cProfile, {profiled} orders]")
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        if "--verbose" in sys.argv or os.environ.get("BENCH_ORDER_CPU_VERBOSE"):
            print(out.getvalue())
        stats.dump_stats(os.environ.get("BENCH_ORDER_CPU_PSTATS", "/tmp/omnicanal-bench-order-cpu.pstats"))
    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main(sys.argv[1:])

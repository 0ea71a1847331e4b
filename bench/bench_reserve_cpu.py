"""One hot-SKU reservation's cost, independent of the machine's load: CPU per `do_reserve` on the client
and on its server process, Python calls, round trips, for the three ways bench_reserve.py calls it
(alone, in autocommit; inside a caller's `atomic()`; inside with at_commit=True, the call sent with the
COMMIT), in one process on PostgreSQL with Redis as huey's queue.

    .venv/bin/python bench/bench_reserve_cpu.py [--reservations 3000] [--profile 300] [--rounds 2] [--verbose]
    BENCH_RESERVE_CPU_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no --zero-before=math_perm \
        --dump-before=math_comb .venv/bin/python bench/bench_reserve_cpu.py --reservations 300 --profile 0 \
        --rounds 1 --only alone      # instructions: the dump ending in .1 holds the 300 ("summary:" / 300)
    (--only alone, inside or at_commit; OUTBOX_BATCH_WAKE_MS=100000000 keeps the outbox's wake-ups out)

Creates (and drops) `omnicanal_bench_reserve_cpu` (BENCH_RESERVE_CPU_DB) on DATABASE_URL's server and uses Redis database 13
(BENCH_RESERVE_CPU_REDIS_URL), emptied before and after. Prints, per reservation and per way: client
CPU and the server process's CPU (from /proc, when the server is local), the round trips (libpq calls
that wait for the server, and Django cursor statements), Python calls (cProfile's count, which does not
depend on the load) and with --verbose the top functions. The bench is CPU-bound on the 2-core box, so
(client + server CPU) here against the bare UPDATE's is what bench_reserve.py's ratio follows.
"""

from __future__ import annotations

import cProfile
import io
import math
import os
import pstats
import sys
import time
from contextlib import nullcontext

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_order_cpu import _callgrind_on, _setup, _urls  # the same set-up  # noqa: E402
from bench_reserve import _backend_cpu  # noqa: E402

DB_NAME = os.environ.get("BENCH_RESERVE_CPU_DB") or "omnicanal_bench_reserve_cpu"  # a name of one's own on a shared box
REDIS_URL = os.environ.get("BENCH_RESERVE_CPU_REDIS_URL") or "redis://127.0.0.1:6379/13"
SKU = "CPU-HOT-1"


def _seed() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.core.money import Money
    from omnicanal.inventory import services

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        catalog.do_ensure_default_channels()
        category = catalog.do_ensure_category(ref="bench")
        catalog.do_create_product(name_es="Zapatilla", category=category, price=Money.of("9990"),
                                  variants=[catalog.VariantSpec(sku=SKU)])
        location = services.do_create_location(code="WH0", name="Bodega", kind="warehouse", capabilities=["ship"])
        services.do_receive_stock(location=location, lines=[(SKU, 10_000_000)], reference="bench")


class _Reserver:
    def __init__(self):
        self.n = 0
        self.run = os.urandom(3).hex()

    def __call__(self, way: str) -> None:
        from django.db import transaction

        from omnicanal.inventory import services
        from omnicanal.inventory.services import ReserveLine

        self.n += 1
        # As bench_reserve.py calls it: a transaction of its own (autocommit), or inside a caller's.
        with transaction.atomic() if way != "alone" else nullcontext():
            services.do_reserve(reference=f"c{self.run}-{self.n}", channel="web", lines=[ReserveLine(SKU, 1)],
                                locations=["WH0"], expires_in=None, at_commit=way == "at_commit")


WAYS = ("alone", "inside", "at_commit")


def _statements(reserve, way: str, count: int = 20) -> tuple[float, float]:
    """Django cursor statements and round trips per reservation: the cursor's statements, and the
    waits on the server through libpq (core.libpq: each pipeline, and each blocking call, whose
    result _checked reads: the hot path's call alone, the lean COMMIT). psycopg's own COMMIT (not the
    lean state) would not be counted: the bench runs in the lean state."""
    from django.db import connection

    from omnicanal.core import libpq

    statements, trips = [], []

    def counted(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    real_synced, real_checked = libpq._synced, libpq._checked
    libpq._synced = lambda pgconn, commands: trips.append("pipeline") or real_synced(pgconn, commands)
    libpq._checked = lambda result: trips.append("call") or real_checked(result)
    try:
        with connection.execute_wrapper(counted):
            for _ in range(count):
                reserve(way)
    finally:
        libpq._synced, libpq._checked = real_synced, real_checked
    return len(statements) / count, (len(statements) + len(trips)) / count


def main(argv: list[str]) -> None:
    flags = {a for a in argv if a in ("--verbose", "--keep")}
    argv = [a for a in argv if a not in flags]
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    reservations, profiled = int(args.get("--reservations", 3000)), int(args.get("--profile", 300))
    rounds = int(args.get("--rounds", 2))
    only = args.get("--only")
    admin_url, url = _urls(DB_NAME)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    _setup(admin_url, url, reuse=False, db_name=DB_NAME, redis_url=REDIS_URL)
    try:
        _seed()
        _measure(reservations, profiled, rounds, only, verbose="--verbose" in flags)
    finally:
        from django.db import connections

        connections.close_all()
        redis.Redis.from_url(REDIS_URL).flushdb()
        if "--keep" not in flags:  # kept: to try statements against its rows
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _measure(reservations: int, profiled: int, rounds: int, only: str | None, *, verbose: bool) -> None:
    from django.db import connection

    reserve = _Reserver()
    ways = [name for name in WAYS if only in (None, name)]
    for way in ways:
        for _ in range(200):  # warm: imports, prepared statements, caches
            reserve(way)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    print(f"reserve CPU: one process, hot SKU at one location, PostgreSQL, Redis; load average "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
    if reservations:
        _callgrind_on("BENCH_RESERVE_CPU_CALLGRIND")
        for round_ in range(rounds):  # the ways alternate: a busy neighbour hits both
            for name in ways:
                math.perm(5, 2)  # callgrind --zero-before=math_perm: the count starts here
                cpu, server, began = time.process_time(), _backend_cpu(pid), time.perf_counter()
                for _ in range(reservations):
                    reserve(name)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - began
                math.comb(5, 2)  # callgrind --dump-before=math_comb: the count is dumped here
                after = _backend_cpu(pid)
                server_us = "" if server is None or after is None else \
                    f", server {(after - server) / reservations * 1e6:4.0f} us"
                print(f"  round {round_ + 1} {name:9}: CPU/op client {cpu / reservations * 1e6:4.0f} us{server_us} "
                      f"(wall {wall / reservations * 1e6:4.0f} us)  [load-dependent; load average "
                      f"{' '.join(open('/proc/loadavg').read().split()[:3])}]")
    for name in ways:
        statements, trips = _statements(reserve, name)
        print(f"  {name:9}: Django cursor statements/op {statements:.1f}, round trips/op {trips:.1f}")
    if not profiled:
        return
    for name in ways:
        profile = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
        profile.enable()
        for _ in range(profiled):
            reserve(name)
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"  {name:9}: Python calls/op {stats.total_calls / profiled:,.0f} "
              f"({stats.prim_calls / profiled:,.0f} primitive)  [cProfile, {profiled} reservations]")
        stats.dump_stats(f"/tmp/omnicanal-bench-reserve-cpu-{name}.pstats")
        if verbose:
            out = io.StringIO()
            stats.stream = out
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(30)
            print(out.getvalue())


if __name__ == "__main__":
    main(sys.argv[1:])

"""Hot-SKU reservations per second with 16 concurrent clients, beside the ceiling: a bare
conditional `UPDATE … SET reserved = reserved + 1 WHERE id = … AND on_hand - reserved >= 1` loop on
the same stock row, measured in the same run. Then an oversell check: the same 16 clients against
a few hundred units must hold exactly that many.

    .venv/bin/python bench/bench_reserve.py [--seconds 8] [--clients 16] [--locations 1] [--rounds 2]

Creates (and drops) `omnicanal_bench_reserve` (BENCH_RESERVE_DB) on DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432), and uses Redis database 11 as huey's queue, as production
does (BENCH_RESERVE_REDIS_URL to change it). Clients are processes, each with its own connection.
Each round runs the ceiling, do_reserve alone (autocommit: its own transaction), do_reserve inside
a caller's transaction (`atomic()` around the call) and, beside it, inside with at_commit=True (the
call sent with the COMMIT, one round trip: core.laststep.ride). Goals: alone >= 60 % of the ceiling,
inside a caller's transaction (at commit) >= 50 %, zero oversold. The load average is printed
beside: the machine is shared.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from contextlib import nullcontext
from queue import Empty
from urllib.parse import urlsplit, urlunsplit

DB_NAME = os.environ.get("BENCH_RESERVE_DB") or "omnicanal_bench_reserve"  # a name of one's own on a shared box
# Redis as in production: a reservation's commit wakes the worker for its batched stock handler
# through huey's queue there. A database number of the bench's own, emptied before and after.
REDIS_URL = os.environ.get("BENCH_RESERVE_REDIS_URL") or "redis://127.0.0.1:6379/11"
SKU = "HOT-SKU-1"


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CONN_MAX_AGE"] = "600"
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _prepare(admin_url: str, bench_url: str, n_locations: int) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    _django(bench_url)
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.core.money import Money
    from omnicanal.inventory import services

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        catalog.do_ensure_default_channels()
        category = catalog.do_ensure_category(ref="bench")
        catalog.do_create_product(name_es="Zapatilla flash", category=category, price=Money.of("9990"),
                                  variants=[catalog.VariantSpec(sku=SKU)])
        for i in range(n_locations):
            services.do_create_location(code=f"WH{i}", name=f"Bodega {i}", kind="warehouse", capabilities=["ship"])


def _clear_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _set_stock(units_per_location: int) -> list[int]:
    """Fresh stock (and a fresh ledger) for a phase: every location gets `units_per_location`."""
    from django.db import connection, transaction

    from omnicanal.inventory import services
    from omnicanal.inventory.models import Location, StockLevel

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inventory_reservationline, inventory_reservation, inventory_stockmovement, "
                       "inventory_stocklevel, core_outboxevent CASCADE")
    with transaction.atomic():
        for location in Location.objects.order_by("code"):
            services.do_receive_stock(location=location, lines=[(SKU, units_per_location)], reference="bench")
    return list(StockLevel.objects.order_by("pk").values_list("pk", flat=True))


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds the server process `pid` has used, when the server runs on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Cpu:
    """CPU used by this client process and by its server process, from start to `spent()`."""

    def __init__(self, backend_pid: int):
        self.pid = backend_pid
        self.client, self.server = time.process_time(), _backend_cpu(backend_pid)

    def spent(self) -> tuple[float, float | None]:
        server = _backend_cpu(self.pid)
        return time.process_time() - self.client, None if server is None else server - self.server


def _ceiling_client(url: str, row_id: int, seconds: float, barrier, queue) -> None:
    import psycopg

    done = 0
    with psycopg.connect(url, autocommit=True) as conn:
        barrier.wait()
        cpu = _Cpu(conn.info.backend_pid)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            cur = conn.execute("UPDATE inventory_stocklevel SET reserved = reserved + 1 "
                               "WHERE id = %s AND on_hand - reserved >= 1", (row_id,))
            done += cur.rowcount
        queue.put((done, 0, *cpu.spent()))


MODES = ("alone", "inside", "at commit")  # autocommit; in atomic(); in atomic() with at_commit=True


def _reserve_client(url: str, worker: int, locations: list[str], seconds: float, limit: int | None, mode: str,
                    barrier, queue) -> None:
    _django(url)
    from django.db import connection, transaction

    from omnicanal.core.errors import InsufficientStock
    from omnicanal.inventory import services
    from omnicanal.inventory.services import ReserveLine

    held = refused = 0
    connection.ensure_connection()
    barrier.wait()
    cpu = _Cpu(connection.connection.info.backend_pid)
    end = time.perf_counter() + seconds
    i = 0
    wrapped, at_commit = mode != "alone", mode == "at commit"
    while time.perf_counter() < end and (limit is None or i < limit):
        i += 1
        try:
            # As the service is called: a transaction of its own (autocommit), or inside a caller's.
            with transaction.atomic() if wrapped else nullcontext():
                services.do_reserve(reference=f"b{worker}-{i}", channel="web", lines=[ReserveLine(SKU, 1)],
                                    locations=locations, expires_in=None, at_commit=at_commit)
            held += 1
        except InsufficientStock:
            refused += 1
    spent = cpu.spent()
    connection.close()
    queue.put((held, refused, *spent))


def _reserve_phase(url: str, locations: list[str], seconds: float, clients: int, *, mode: str) -> tuple[float, str]:
    """Reservations per second and their CPU; stops the run if the books do not balance afterwards."""
    _set_stock(10_000_000)
    outcome = _run(_reserve_client, lambda i: (url, i, locations, seconds, None, mode), clients)
    held = sum(o[0] for o in outcome)
    reserved, _on_hand, consistent = _check_ledger()
    if not consistent or reserved != held:
        raise SystemExit(f"MISMATCH: reserved {reserved}, held {held}, ledger consistent: {consistent}")
    return held / seconds, _cpu_per_op(outcome)


def _cpu_per_op(outcome: list[tuple]) -> str:
    """CPU per operation, client and server side, in microseconds (the server's only when it runs
    on this machine): on a small box the clients and the server share the cores."""
    done = sum(o[0] for o in outcome) or 1
    client = sum(o[2] for o in outcome) / done * 1e6
    server = None if any(o[3] is None for o in outcome) else sum(o[3] for o in outcome) / done * 1e6
    return f"CPU/op client {client:4.0f} us" + ("" if server is None else f" server {server:4.0f} us")


def _run(target, args_for, clients: int) -> list:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args_for(i), barrier, queue)) for i in range(clients)]
    for p in processes:
        p.start()
    results = []
    deadline = time.monotonic() + 600
    while len(results) < clients:
        try:
            results.append(queue.get(timeout=1))
        except Empty:
            crashed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if crashed or time.monotonic() > deadline:
                for p in processes:
                    p.kill()
                raise SystemExit(f"a client failed (exit codes {crashed}); see its traceback above") from None
    for p in processes:
        p.join()
    return results


def _check_ledger() -> tuple[int, int, bool]:
    from django.db.models import F, Sum

    from omnicanal.inventory.models import LineState, ReservationLine, StockLevel, StockMovement

    reserved = StockLevel.objects.aggregate(n=Sum("reserved"))["n"] or 0
    on_hand = StockLevel.objects.aggregate(n=Sum("on_hand"))["n"] or 0
    held = ReservationLine.objects.filter(state=LineState.HELD).aggregate(n=Sum("quantity"))["n"] or 0
    ledger = StockMovement.objects.aggregate(n=Sum("quantity"))["n"] or 0
    consistent = reserved == held and on_hand == ledger and not StockLevel.objects.filter(
        reserved__gt=F("on_hand")).exists()
    return reserved, on_hand, consistent


def main(argv: list[str]) -> None:
    def opt(name: str, default: float) -> float:
        return float(argv[argv.index(name) + 1]) if name in argv else default

    seconds = opt("--seconds", 8)
    clients = int(opt("--clients", 16))
    n_locations = int(opt("--locations", 1))
    rounds = int(opt("--rounds", 2))
    admin_url, bench_url = _urls()
    _clear_redis()
    _prepare(admin_url, bench_url, n_locations)
    locations = [f"WH{i}" for i in range(n_locations)]
    try:
        print(f"{clients} clients, {seconds:.0f} s per phase, hot SKU at {n_locations} location(s); the ceiling, "
              f"do_reserve alone, inside a caller's transaction and inside at commit alternate {rounds} times (a "
              f"busy neighbour hits all four); load average {_loadavg()}", flush=True)
        totals = dict.fromkeys(("ceiling", *MODES), 0.0)
        for round_ in range(1, rounds + 1):
            rows = _set_stock(10_000_000)
            outcome = _run(_ceiling_client, lambda i, row=rows[0]: (bench_url, row, seconds), clients)
            ceiling_rate = sum(o[0] for o in outcome) / seconds
            totals["ceiling"] += ceiling_rate
            lines = [f"  round {round_}: ceiling   {ceiling_rate:5.0f} /s ({_cpu_per_op(outcome)})"]
            for mode in MODES:
                rate, cpu = _reserve_phase(bench_url, locations, seconds, clients, mode=mode)
                totals[mode] += rate
                lines.append(f"           {mode:9} {rate:5.0f} /s ({cpu}) = {rate / ceiling_rate:.0%}")
            print("\n".join(lines) + f"   load average {_loadavg()}", flush=True)
        ceiling_rate, rate, wrapped_rate, at_commit_rate = (totals[k] / rounds for k in ("ceiling", *MODES))
        print(f"  ceiling  bare conditional UPDATE (autocommit) : {ceiling_rate:8.0f} /s", flush=True)
        print(f"  do_reserve  alone (its own transaction)       : {rate:8.0f} /s   "
              f"= {rate / ceiling_rate:.0%} of the ceiling (goal 60 %)", flush=True)
        print(f"  do_reserve  inside a caller's transaction     : {wrapped_rate:8.0f} /s   "
              f"= {wrapped_rate / ceiling_rate:.0%} of the ceiling (BEGIN with the call, then the COMMIT: two "
              "round trips, the second under the lock)", flush=True)
        print(f"  do_reserve  inside, at commit                 : {at_commit_rate:8.0f} /s   "
              f"= {at_commit_rate / ceiling_rate:.0%} of the ceiling (goal 50 %: the call with the COMMIT, one "
              "round trip)", flush=True)

        units = 500
        for mode, how in (("alone", "alone"), ("inside", "inside a caller's transaction"),
                          ("at commit", "inside, at commit")):
            _set_stock(units // n_locations)
            total = units // n_locations * n_locations
            outcome = _run(_reserve_client, lambda i, m=mode: (bench_url, 10_000 + i, locations, 120, 100, m),
                           clients)
            held = sum(o[0] for o in outcome)
            refused = sum(o[1] for o in outcome)
            reserved, on_hand, consistent = _check_ledger()
            oversold = max(0, reserved - on_hand)
            print(f"  oversell check ({how}): {clients}x100 attempts on {total} units -> held {held}, refused "
                  f"{refused}, reserved {reserved}, oversold {oversold}, ledger {'ok' if consistent else 'BROKEN'}",
                  flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        _clear_redis()
        if "--keep" not in argv:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main(sys.argv[1:])

"""Identify throughput: calls per second through customers.services.do_identify / do_identify_many.

    make bench BENCH_ARGS=identify                       # SQLite and PostgreSQL, 100k customers
    .venv/bin/python bench/bench_identify.py --db postgres --customers 20000 --calls 3000

Each database runs in a child process of its own (Django binds one database per process). PostgreSQL:
DATABASE_URL, else postgres://postgres@127.0.0.1:5432/omnicanal_bench_identify, created and
dropped by the bench. SQLite: a temporary file. The database is seeded with N customers (email +
phone) through the batch service, then measured:

- single, returning: a known customer comes back on some channel, the phone typed any way;
- single, new: a first contact (a customer, its identities, its timeline entry and event);
- batched (--batch per call), returning and new;
each call (or batch) in its own transaction, as the API runs it. Target: 2,000 identify/s on
PostgreSQL on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/omnicanal_bench_identify"
HERE = Path(__file__).resolve().parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_identify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=4000, help="calls per measured scenario")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(list(argv or []))
    if args.child:
        run_child(args)
        return
    targets = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for target in targets:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", target,
                   "--customers", str(args.customers), "--calls", str(args.calls), "--batch", str(args.batch)]
        if args.keep:
            command.append("--keep")
        subprocess.run(command, check=False)  # noqa: S603 (our own script)


# --- the child: one database ------------------------------------------------------------------


def _prepare_database(target: str) -> tuple[str, callable]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-000000000000")
    os.environ.setdefault("OMNICANAL_VAR", tempfile.mkdtemp(prefix="omnicanal-bench-var-"))
    if target == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="omnicanal-bench-")) / "identify.sqlite3"
        os.environ["DATABASE_URL"] = ""
        os.environ["SQLITE_PATH"] = str(path)
        return f"SQLite ({path})", lambda: path.unlink(missing_ok=True)
    url = os.environ.get("DATABASE_URL") or DEFAULT_PG
    os.environ["DATABASE_URL"] = url
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"PostgreSQL ({name})", drop


def _phones(count: int, start: int = 30_000_000) -> list[str]:
    import phonenumbers

    phones, n = [], start
    while len(phones) < count:
        digits = f"9{n:08d}"
        n += 7
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+56{digits}")):
            phones.append(digits)
    return phones


def _messy(digits: str, n: int) -> str:
    forms = [f"{digits[0]} {digits[1:5]} {digits[5:]}", f"+56{digits}", f"56 {digits[0]} {digits[1:5]}-{digits[5:]}"]
    return forms[n % len(forms)]


def _timed(label: str, calls: int, func) -> tuple[str, int, float]:
    started = time.perf_counter()
    func()
    elapsed = time.perf_counter() - started
    return label, calls, elapsed


def run_child(args: argparse.Namespace) -> None:
    import random

    label, cleanup = _prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from omnicanal.customers.models import Customer
    from omnicanal.customers.services import do_identify, do_identify_many

    call_command("migrate", verbosity=0)
    rng = random.Random(7)  # noqa: S311 (bench data)
    n, batch, calls = args.customers, args.batch, args.calls
    phones = _phones(n + 4 * calls)
    print(f"\n{label}: seeding {n:,} customers (email + phone) through do_identify_many…", flush=True)

    def seed() -> None:
        for start in range(0, n, 1000):
            requests = [{"channel": "web", "identities": [{"kind": "email", "value": f"person{i}@example.cl"},
                                                          {"kind": "phone", "value": f"+56{phones[i]}"}]}
                        for i in range(start, min(start + 1000, n))]
            with transaction.atomic():
                do_identify_many(requests=requests)

    results = [_timed(f"seed, batched new (1000/batch), {n:,}", n, seed)]
    assert Customer.objects.count() == n
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    returning = [rng.randrange(n) for _ in range(calls)]
    fresh = iter(range(n, n + 4 * calls))

    def single_returning() -> None:
        for k, i in enumerate(returning):
            identities = ([{"kind": "phone", "value": _messy(phones[i], k)}] if k % 2 else
                          [{"kind": "email", "value": f"Person{i}@Example.cl"}])
            with transaction.atomic():
                do_identify(channel="pos" if k % 2 else "web", identities=identities)

    def single_new() -> None:
        for _ in range(calls):
            i = next(fresh)
            with transaction.atomic():
                do_identify(channel="whatsapp", identities=[{"kind": "whatsapp", "value": f"56{phones[i]}"}])

    def batched_returning() -> None:
        for start in range(0, calls, batch):
            requests = [{"channel": "pos", "identities": [{"kind": "phone", "value": _messy(phones[i], k)}]}
                        for k, i in enumerate(returning[start:start + batch])]
            with transaction.atomic():
                do_identify_many(requests=requests)

    def batched_new() -> None:
        for _start in range(0, calls, batch):
            requests = [{"channel": "app", "identities": [{"kind": "email", "value": f"new{next(fresh)}@example.cl"}]}
                        for _ in range(batch)]
            with transaction.atomic():
                do_identify_many(requests=requests)

    # Returning customers are measured twice: the second pass is the steady state (last_seen
    # already fresh, so a return is one indexed SELECT and no write).
    results.append(_timed("single, returning (first touch: refreshes last_seen)", calls, single_returning))
    results.append(_timed("single, returning (steady state)", calls, single_returning))
    results.append(_timed("single, new customer", calls, single_new))
    results.append(_timed(f"batched ({batch}/call), returning", calls, batched_returning))
    results.append(_timed(f"batched ({batch}/call), new customers", calls, batched_new))

    print(f"{'scenario':<58} {'calls':>8} {'seconds':>9} {'identify/s':>11}")
    for name, count, elapsed in results:
        print(f"{name:<58} {count:>8,} {elapsed:>9.2f} {count / elapsed:>11,.0f}")
    print(f"customers at the end: {Customer.objects.count():,}", flush=True)
    if not args.keep:
        cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])

"""Ledger transfers per second on PostgreSQL: on distinct accounts, and on one hot account.

    make bench BENCH_ARGS="ledger"                       # defaults: 4 processes × 400 transfers
    .venv/bin/python bench/bench_ledger.py --processes 4 --transfers 400 [--keep]

Each transfer is one committed transaction through loyalty.services.ledger.do_transfer (row lock
on the customer account, idempotency-key check, transfer row, two entries, a lot, the cached
balance). "distinct": every process earns points into its own customers' accounts. "hot": every
process earns into the same customer account, so they queue on its row lock. "hot spend": every
process spends from one account (lots consumed oldest first). DATABASE_URL, when set, names the
server; the benchmark creates and drops its own database (omnicanal_bench_ledger).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
DB_NAME = "omnicanal_bench_ledger"


def _server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return url.rsplit("/", 1)[0]


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{_server_url()}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("OMNICANAL_VAR", "/tmp/omnicanal-bench-var")
    os.environ["CONN_MAX_AGE"] = "0"
    import django

    django.setup()


# --- what each process runs ------------------------------------------------------------------


def earn(customers: list[str], count: int, prefix: str) -> tuple[float, float, int]:
    """`count` earn transfers cycling over `customers`; (start, end, done)."""
    from django.db import transaction

    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger

    issuance = ledger.system_account(AccountKind.ISSUANCE, POINTS)
    accounts = [ledger.customer_account(c, AccountKind.POINTS) for c in customers]
    start = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            ledger.do_transfer(key=f"{prefix}:{i}", kind=TransferKind.EARN, debit=issuance, credit=accounts[i % len(accounts)], amount=10)
    return start, time.perf_counter(), count


def spend(customer: str, count: int, prefix: str) -> tuple[float, float, int]:
    from django.db import transaction

    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger

    redemption = ledger.system_account(AccountKind.REDEMPTION, POINTS)
    account = ledger.customer_account(customer, AccountKind.POINTS)
    start = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            ledger.do_transfer(key=f"{prefix}:{i}", kind=TransferKind.REDEEM, debit=account, credit=redemption, amount=1)
    return start, time.perf_counter(), count


# --- the run ---------------------------------------------------------------------------------


def _rate(results) -> tuple[float, float]:
    # perf_counter is per process; use each process's own duration and the slowest as the wall time
    done = sum(r[2] for r in results)
    wall = max(r[1] - r[0] for r in results)
    return done / wall, wall


def run(processes: int, transfers: int) -> list[tuple[str, float, float, int]]:
    from django.db import transaction

    from omnicanal.core.testing import run_in_processes
    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger

    figures = []
    start, end, done = earn(["cus_bench_solo"], transfers, "solo")
    figures.append(("1 process, one account", done / (end - start), end - start, done))

    args = [([f"cus_bench_p{p}_{i}" for i in range(20)], transfers, f"distinct-{p}") for p in range(processes)]
    results = run_in_processes("bench_ledger:earn", args)
    rate, wall = _rate(results)
    figures.append((f"{processes} processes, distinct accounts", rate, wall, processes * transfers))

    args = [(["cus_bench_hot"], transfers, f"hot-{p}") for p in range(processes)]
    results = run_in_processes("bench_ledger:earn", args)
    rate, wall = _rate(results)
    figures.append((f"{processes} processes, one hot account (earn)", rate, wall, processes * transfers))

    with transaction.atomic():  # fund the spender: one lot per earn, so spends walk lots oldest first
        ledger.do_transfer(key="fund", kind=TransferKind.EARN, debit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
                           credit=ledger.customer_account("cus_bench_spender", AccountKind.POINTS), amount=processes * transfers)
    args = [("cus_bench_spender", transfers, f"spend-{p}") for p in range(processes)]
    results = run_in_processes("bench_ledger:spend", args)
    rate, wall = _rate(results)
    figures.append((f"{processes} processes, one hot account (spend)", rate, wall, processes * transfers))
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_ledger")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--transfers", type=int, default=400, help="per process")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    options = parser.parse_args(argv)

    _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        print(f"ledger transfers on PostgreSQL ({os.cpu_count()} CPUs), {options.transfers} per process")
        for name, rate, wall, done in run(options.processes, options.transfers):
            print(f"  {name:<45} {rate:8.0f} transfers/s   ({done} in {wall:.1f} s)")
        from omnicanal.loyalty.queries import books_problems

        problems = books_problems()
        print(f"  books after the run: {'balanced' if not problems else problems[:3]}")
        connections.close_all()
    finally:
        if not options.keep:
            _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main(sys.argv[1:])

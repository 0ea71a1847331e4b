"""Ledger transfers per second on PostgreSQL, beside the bare ceiling measured in the same run.

    .venv/bin/python bench/bench_ledger.py --processes 4 --transfers 400 [--batch 100] [--keep]

Each transfer is ledger.do_transfer: on PostgreSQL one call of loyalty_transfer (loyalty.hot: the
idempotency-key check, the balance check under the customer account's row lock, the transfer, two
entries, the lot, the cached balance; the system account is never locked). Phases, each with
`--processes` processes doing `--transfers` transfers after a short warm-up:
  ceiling   a bare conditional UPDATE + INSERT on one row (one statement, autocommit, prepared), on a
            scratch table: what PostgreSQL itself allows on a hot row on this machine, now;
  distinct  every process earns into its own customers' accounts, each transfer its own transaction;
  hot       every process earns into the same account (they queue on its row lock); then spends from
            one account (lots consumed oldest first); then earns inside a caller's transaction.atomic();
  orm       distinct, through the ORM path (SQLite's, and PostgreSQL's before), as a yardstick;
  batched   every process earns into its own accounts, `--batch` transfers per transaction
            (ledger.do_transfers: one call per batch).
After the run: no negative balance, and the books balanced (queries.books_problems).
DATABASE_URL, when set, names the server; the benchmark creates and drops its own database
(omnicanal_bench_ledger). The goal (issue 23): ≥ 1,000/s distinct, hot ≥ 50 % of the ceiling.
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

WARM_UP = 20


def _postings(accounts, count: int, prefix: str, *, spend: bool):
    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger
    from omnicanal.loyalty.services.ledger import Posting

    system = ledger.system_account(AccountKind.REDEMPTION if spend else AccountKind.ISSUANCE, POINTS)
    kind = TransferKind.REDEEM if spend else TransferKind.EARN
    for i in range(count):
        account = accounts[i % len(accounts)]
        debit, credit = (account, system) if spend else (system, account)
        yield Posting(key=f"{prefix}:{i}", kind=kind, debit=debit, credit=credit, amount=1 if spend else 10)


def transfers(customers: list[str], count: int, prefix: str, mode: str) -> tuple[float, float, int]:
    """`count` transfers cycling over `customers`, after a warm-up; (start, end, done). mode: "earn",
    "spend" (each its own transaction: autocommit, one call), "atomic" (earn inside
    transaction.atomic()), "orm" (earn through the ORM path, inside transaction.atomic()) or "batch:N"
    (earn, N transfers per transaction)."""
    from django.db import transaction

    from omnicanal.loyalty.models import AccountKind
    from omnicanal.loyalty.services import ledger

    accounts = [ledger.customer_account(c, AccountKind.POINTS) for c in customers]
    spend = mode == "spend"
    for posting in _postings(accounts, WARM_UP, f"{prefix}-warm", spend=spend):
        ledger.do_transfer(**posting.__dict__)
    postings = list(_postings(accounts, count, prefix, spend=spend))
    start = time.perf_counter()
    if mode.startswith("batch:"):
        size = int(mode.split(":")[1])
        for i in range(0, count, size):
            with transaction.atomic():
                ledger.do_transfers(postings[i:i + size])
    elif mode == "atomic":
        for posting in postings:
            with transaction.atomic():
                ledger.do_transfer(**posting.__dict__)
    elif mode == "orm":  # the ORM path (SQLite's; PostgreSQL's before loyalty.hot), as a yardstick
        for posting in postings:
            with transaction.atomic():
                ledger._transfer_orm(posting, ledger.check_amount(posting.debit.unit, posting.amount))
    else:
        for posting in postings:
            ledger.do_transfer(**posting.__dict__)
    return start, time.perf_counter(), count


CEILING_SQL = ("WITH moved AS (UPDATE bench_ceiling_row SET balance = balance + 1 WHERE id = 1 AND balance >= 0 "
               "RETURNING id, balance) INSERT INTO bench_ceiling_log (row_id, balance) SELECT id, balance FROM moved")


def ceiling(count: int) -> tuple[float, float, int]:
    """The bare ceiling: a conditional UPDATE + INSERT on one row, one prepared statement in autocommit."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection itself, in autocommit
    for _ in range(WARM_UP):
        raw.execute(CEILING_SQL, prepare=True)
    start = time.perf_counter()
    for _ in range(count):
        raw.execute(CEILING_SQL, prepare=True)
    return start, time.perf_counter(), count


# --- the run ---------------------------------------------------------------------------------


def _rate(results) -> tuple[float, float]:
    # perf_counter is CLOCK_MONOTONIC, one clock for every process on Linux: the wall time runs from
    # the first start to the last end (the processes start together at a barrier)
    done = sum(r[2] for r in results)
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    return done / wall, wall


def run(processes: int, count: int, batch: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection, transaction

    from omnicanal.core.testing import run_in_processes
    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_ceiling_row (id int PRIMARY KEY, balance bigint NOT NULL)")
        cursor.execute("INSERT INTO bench_ceiling_row VALUES (1, 0)")
        cursor.execute("CREATE TABLE bench_ceiling_log (id bigserial PRIMARY KEY, row_id int NOT NULL, "
                       "balance bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())")
    with transaction.atomic():  # fund the spender: one lot per earn, so spends walk lots oldest first
        for i in range(processes * 2):
            ledger.do_transfer(key=f"fund:{i}", kind=TransferKind.EARN,
                               credit=ledger.customer_account("cus_bench_spender", AccountKind.POINTS),
                               debit=ledger.system_account(AccountKind.ISSUANCE, POINTS), amount=count)

    def phase(name: str, target: str, args) -> None:
        rate, wall = _rate(run_in_processes(target, args))
        figures.append((name, rate, wall, processes * count))
        print(f"  {name:<52} {rate:8.0f} /s   ({processes * count} in {wall:.1f} s)", flush=True)

    figures: list[tuple[str, float, float, int]] = []
    mine = [[f"cus_bench_p{p}_{i}" for i in range(20)] for p in range(processes)]
    phase("ceiling: bare conditional UPDATE + INSERT, one row", "bench_ledger:ceiling", [(count,)] * processes)
    phase("distinct accounts, each transfer its own transaction", "bench_ledger:transfers",
          [(mine[p], count, f"distinct-{p}", "earn") for p in range(processes)])
    phase("distinct accounts, the ORM path (before loyalty.hot)", "bench_ledger:transfers",
          [(mine[p], count, f"orm-{p}", "orm") for p in range(processes)])
    phase("one hot account, earn", "bench_ledger:transfers",
          [(["cus_bench_hot"], count, f"hot-{p}", "earn") for p in range(processes)])
    phase("one hot account, spend (lots oldest first)", "bench_ledger:transfers",
          [(["cus_bench_spender"], count, f"spend-{p}", "spend") for p in range(processes)])
    phase("one hot account, earn inside transaction.atomic()", "bench_ledger:transfers",
          [(["cus_bench_hot"], count, f"hot-atomic-{p}", "atomic") for p in range(processes)])
    phase(f"distinct accounts, batches of {batch} (do_transfers)", "bench_ledger:transfers",
          [(mine[p], count, f"batch-{p}", f"batch:{batch}") for p in range(processes)])
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_ledger")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--transfers", type=int, default=400, help="per process")
    parser.add_argument("--batch", type=int, default=100, help="transfers per transaction in the batched phase")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    options = parser.parse_args(argv)

    _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        load = os.getloadavg()
        print(f"ledger transfers on PostgreSQL ({os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} "
              f"{load[2]:.1f}), {options.processes} processes × {options.transfers} transfers", flush=True)
        figures = {name: rate for name, rate, _wall, _done in run(options.processes, options.transfers, options.batch)}
        ceiling_rate = next(rate for name, rate in figures.items() if name.startswith("ceiling"))
        for name, rate in figures.items():
            if name.startswith("one hot"):
                print(f"  {name:<52} = {rate / ceiling_rate:.0%} of the ceiling")
        from omnicanal.loyalty.models import Account
        from omnicanal.loyalty.queries import books_problems

        negative = Account.objects.filter(balance__lt=0).count()
        problems = books_problems()
        print(f"  negative balances after the run: {negative}")
        print(f"  books after the run: {'balanced' if not problems else problems[:3]}")
        connections.close_all()
    finally:
        if not options.keep:
            _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main(sys.argv[1:])

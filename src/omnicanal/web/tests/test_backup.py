"""Backups and restores round-trip: the restored database has every row the backup had and passes the
invariants (stock = sum of movements, the ledger balanced). SQLite through `omnicanal backup` /
`omnicanal restore` (the online backup API); PostgreSQL through pg_dump / pg_restore into a scratch
database (docs/operations.md, "Backups and restore")."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from omnicanal.core import backup
from omnicanal.core.ids import new_id
from omnicanal.inventory import services as inventory
from omnicanal.inventory.models import StockLevel
from omnicanal.inventory.services import ReserveLine
from omnicanal.inventory.tests.conftest import make_catalog, make_locations, receive
from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
from omnicanal.loyalty.services import ledger
from omnicanal.web import invariants

pytestmark = pytest.mark.django_db(transaction=True)

SRC = Path(__file__).resolve().parents[3]
SCRATCH = "test_observe_restore"


def some_business():
    """Stock received and reserved at two locations, points issued and spent."""
    with transaction.atomic():  # as the API's transaction does for each call
        make_catalog()
        locations = make_locations()
    with transaction.atomic():
        receive(locations["WH"], **{"SHOE-40": 5, "SHOE-41": 2})
    with transaction.atomic():
        receive(locations["SCL"], **{"SHOE-40": 3})
    with transaction.atomic():
        inventory.do_reserve(reference="ord_b1", channel="web", lines=[ReserveLine("SHOE-40", 2)])
    customer = new_id("cus")
    with transaction.atomic():
        ledger.do_transfer(key="backup-test:earn", kind=TransferKind.EARN,
                           debit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
                           credit=ledger.customer_account(customer, "points"), amount=150)
    with transaction.atomic():
        ledger.do_transfer(key="backup-test:spend", kind=TransferKind.REDEEM,
                           debit=ledger.customer_account(customer, "points"),
                           credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=40)
    return locations


def more_business(locations):
    """What happens after the backup, and the restore must undo."""
    with transaction.atomic():
        receive(locations["WH"], **{"SHOE-42": 7})
    with transaction.atomic():
        inventory.do_reserve(reference="ord_b2", channel="web", lines=[ReserveLine("SHOE-41", 1)])


def sound(problems: dict[str, list[str]]) -> bool:
    return {"stock", "ledger", "messages", "outbox"} <= set(problems) and not any(problems.values())


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup (PostgreSQL: test_pg_dump_and_pg_restore_round_trip_into_a_scratch_database)")


def test_an_sqlite_backup_restores_every_row_and_passes_the_invariants(sqlite_only, tmp_path):
    locations = some_business()
    counted = invariants.row_counts()
    assert sound(invariants.problems()) and counted["inventory_stockmovement"] == 3
    saved = tmp_path / "omnicanal.backup.sqlite3"
    out = StringIO()
    call_command("backup", str(saved), stdout=out)
    assert "backed up to" in out.getvalue()
    assert saved.stat().st_mode & 0o777 == 0o600
    more_business(locations)
    assert invariants.row_counts() != counted

    out = StringIO()
    call_command("restore", str(saved), "--yes", stdout=out)
    assert "stock: ok" in out.getvalue() and "ledger: ok" in out.getvalue()
    assert invariants.row_counts() == counted
    assert sound(invariants.problems())
    assert sum(StockLevel.objects.filter(variant__sku="SHOE-40").values_list("reserved", flat=True)) == 2
    assert StockLevel.objects.get(location__code="WH", variant__sku="SHOE-41").reserved == 0  # ord_b2 is gone
    assert not StockLevel.objects.filter(variant__sku="SHOE-42").exists()


def test_a_restore_asks_for_yes_and_refuses_a_file_that_is_no_backup(sqlite_only, tmp_path):
    some_business()
    counted = invariants.row_counts()
    saved = tmp_path / "good.sqlite3"
    call_command("backup", str(saved), stdout=StringIO())
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(saved), stdout=StringIO())
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(junk), "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), "--yes", stdout=StringIO())
    assert invariants.row_counts() == counted


def test_the_backup_is_a_consistent_snapshot_while_another_connection_writes(sqlite_only, tmp_path):
    import sqlite3

    some_business()
    live = Path(connection.settings_dict["NAME"])
    writer = sqlite3.connect(live, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE inventory_stocklevel SET on_hand = on_hand + 100")  # never committed
    try:
        size = backup.backup_sqlite(live, tmp_path / "during.sqlite3")
    finally:
        writer.rollback()
        writer.close()
    copy = sqlite3.connect(tmp_path / "during.sqlite3")
    assert size > 0 and copy.execute("SELECT MAX(on_hand) FROM inventory_stocklevel").fetchone()[0] < 100
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()


def test_the_invariants_command_exits_1_when_the_stock_disagrees_with_its_movements():
    some_business()
    out = StringIO()
    call_command("invariants", stdout=out)
    assert "stock: ok" in out.getvalue()
    StockLevel.objects.filter(location__code="SCL", variant__sku="SHOE-40").update(on_hand=4)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("invariants", stdout=out)
    assert "SHOE-40 at SCL: on hand 4, movements sum to 3" in out.getvalue()


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_round_trip_into_a_scratch_database(tmp_path):
    import psycopg

    some_business()
    counted = invariants.row_counts()
    assert sound(invariants.problems())
    settings_dict = connection.settings_dict
    dump = tmp_path / "omnicanal.dump"
    out = StringIO()
    call_command("backup", str(dump), stdout=out)  # pg_dump, custom format
    assert "backed up to" in out.getvalue() and dump.stat().st_mode & 0o777 == 0o600

    admin = dict(host=settings_dict["HOST"] or "127.0.0.1", port=settings_dict["PORT"] or 5432,
                 user=settings_dict["USER"] or "postgres", password=settings_dict["PASSWORD"] or None,
                 dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{SCRATCH}"')
    try:
        backup.restore_postgresql(settings_dict, dump, name=SCRATCH)
        # the restored copy is checked by another process, as an operator would: `omnicanal invariants`
        url = f"postgres://{admin['user']}@{admin['host']}:{admin['port']}/{SCRATCH}"
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(SRC), "OMNICANAL_ENV": "development",
               "OMNICANAL_VAR": str(tmp_path), "LOG_LEVEL": "CRITICAL"}
        if settings_dict["PASSWORD"]:
            env["PGPASSWORD"] = settings_dict["PASSWORD"]
        done = subprocess.run([sys.executable, "-m", "omnicanal.cli", "invariants", "--json"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        restored = json.loads(done.stdout)
    finally:
        with psycopg.connect(**admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    assert sound(restored["problems"])
    assert restored["rows"] == counted

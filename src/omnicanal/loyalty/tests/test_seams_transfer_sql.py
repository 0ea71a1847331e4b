"""The ledger's hot-path PL/pgSQL lives in loyalty/sql/ and agrees with the models it writes: each
INSERT names columns of its model and every NOT NULL one, the Python call names the function's
parameters in order, and the functions in the database are the files' text (migration 0006)."""

import importlib
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.fields import NOT_PROVIDED

from omnicanal.loyalty import hot
from omnicanal.loyalty.models import Entry, Lot, Transfer

SQL_DIR = Path(hot.__file__).parent / "sql"
MIGRATION = importlib.import_module("omnicanal.loyalty.migrations.0006_transfer_function")
FUNCTIONS = {"transfer.sql": "loyalty_transfer", "transfers.sql": "loyalty_transfers"}
MODELS = {"loyalty_transfer": Transfer, "loyalty_entry": Entry, "loyalty_lot": Lot}


def sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def inserts(text: str) -> list[tuple[str, list[str]]]:
    return [(table, [c.strip() for c in columns.split(",")])
            for table, columns in re.findall(r"INSERT INTO (\w+)\s*\(([^)]*)\)", text)]


def test_every_insert_of_the_sql_names_its_models_columns_and_every_required_one():
    # Given the SQL file's INSERTs
    found = inserts(sql("transfer.sql"))
    # Then it writes a transfer, entries and lots (twice: one lot, or the carried ones)
    assert sorted(table for table, _ in found) == ["loyalty_entry", "loyalty_lot", "loyalty_lot", "loyalty_transfer"]
    for table, named in found:
        fields = [f for f in MODELS[table]._meta.concrete_fields if not f.primary_key]
        columns = {f.column for f in fields}
        required = {f.column for f in fields if not f.null and f.db_default is NOT_PROVIDED}
        assert len(named) == len(set(named))
        assert set(named) <= columns, f"{table}: unknown columns {set(named) - columns}"
        assert required <= set(named), f"{table}: NOT NULL columns left out {required - set(named)}"


def test_the_python_call_names_the_functions_parameters_in_their_order():
    # Given the parameters loyalty_transfer declares (before its OUT ones)
    head = sql("transfer.sql").split("OUT outcome")[0].split("loyalty_transfer(", 1)[1]
    declared = re.findall(r"p_(\w+)\s+\w+", head)
    # Then hot sends them in that order, and the batched form reads each of them from its items
    assert declared == list(hot._ARGS)
    batched = sql("transfers.sql")
    assert all(f"'{name}'" in batched for name in hot._ARGS)


def test_the_migration_loads_every_sql_file_of_the_hot_path():
    on_disk = sorted(p.name for p in SQL_DIR.glob("*.sql"))
    assert sorted(MIGRATION.FILES) == on_disk == sorted(FUNCTIONS)
    for name, function in FUNCTIONS.items():
        assert re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", MIGRATION.sql_file(name)) == [function]
        assert any(signature.startswith(f"{function}(") for signature in MIGRATION.SIGNATURES)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_functions_in_the_database_are_the_files_text(name):
    body = sql(name).split("$$")[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [FUNCTIONS[name]])
        rows = cursor.fetchall()
    assert rows == [(body,)]

"""The ledger's hot path as PL/pgSQL functions (PostgreSQL only; SQLite posts through the ORM):
loyalty_transfer posts one transfer in one call, loyalty_transfers many in one call.

Their text lives in loyalty/sql/ (transfer.sql, transfers.sql), next to the code that calls them
(loyalty.hot), and this migration loads it. The files are the one definition: a change to one needs a
new migration that loads them again (CREATE OR REPLACE; a changed signature also drops the old one).
"""

from importlib.resources import files

from django.db import migrations

# Created in this order (transfers.sql calls loyalty_transfer); one CREATE OR REPLACE FUNCTION each.
FILES = ("transfer.sql", "transfers.sql")

SIGNATURES = (
    "loyalty_transfers(jsonb)",
    "loyalty_transfer(text, text, text, text, numeric, bigint, boolean, bigint, boolean, bigint, text, text, text, "
    "text, text, jsonb, timestamptz, timestamptz, boolean)",
)


def sql_file(name: str) -> str:
    return (files("omnicanal.loyalty") / "sql" / name).read_text(encoding="utf-8")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in FILES:
            schema_editor.execute(sql_file(name))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for signature in SIGNATURES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {signature}")


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0005_transfer_text_erasable")]

    operations = [migrations.RunPython(forwards, backwards)]

"""Transfers and entries refuse UPDATE and DELETE in the database itself, not only in the model.

Like the audit log (core 0002): on SQLite the DELETE trigger asks core's per-connection function
whether the test harness is flushing tables; PostgreSQL flushes with TRUNCATE, which row triggers
ignore.
"""

from django.db import migrations

TABLES = ["loyalty_transfer", "loyalty_entry"]


def _sqlite(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            WHEN omnicanal_audit_purge_allowed() = 0
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
    ]


def _postgres(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only()"""
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            """CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$ LANGUAGE plpgsql"""
        )
        statements = [sql for table in TABLES for sql in _postgres(table)]
    else:
        statements = [sql for table in TABLES for sql in _sqlite(table)]
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS loyalty_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial"), ("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]

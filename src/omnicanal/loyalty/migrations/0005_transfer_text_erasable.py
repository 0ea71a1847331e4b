"""Erasure may blank a transfer's descriptive text (memo, reference, metadata), where a person's
name or email may have been typed; every other column of a transfer, and every entry, stays
immutable in the database itself (the triggers of 0002 are replaced for loyalty_transfer only)."""

from django.db import migrations

FIXED = ["id", "public_id", "key", "kind", "status", "unit", "amount", "debit_id", "credit_id", "resolves_id",
         "reverses_id", "expires_at", "payment", "channel", "actor", "created_at"]


def _changed(old: str, new: str, op: str) -> str:
    return " OR ".join(f"{new}.{column} {op} {old}.{column}" for column in FIXED)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_transfer_no_change ON loyalty_transfer")
        schema_editor.execute(
            f"""CREATE OR REPLACE FUNCTION loyalty_transfer_append_only() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP = 'UPDATE' AND NOT ({_changed('OLD', 'NEW', 'IS DISTINCT FROM')}) THEN
                    RETURN NEW;
                  END IF;
                  RAISE EXCEPTION 'the ledger is append-only';
                END $$ LANGUAGE plpgsql"""
        )
        schema_editor.execute(
            """CREATE TRIGGER loyalty_transfer_no_change BEFORE UPDATE OR DELETE ON loyalty_transfer
               FOR EACH ROW EXECUTE FUNCTION loyalty_transfer_append_only()"""
        )
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_transfer_no_update")
        schema_editor.execute(
            f"""CREATE TRIGGER loyalty_transfer_no_update BEFORE UPDATE ON loyalty_transfer
                WHEN {_changed('OLD', 'NEW', 'IS NOT')}
                BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"""
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_transfer_no_change ON loyalty_transfer")
        schema_editor.execute(
            """CREATE TRIGGER loyalty_transfer_no_change BEFORE UPDATE OR DELETE ON loyalty_transfer
               FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only()"""
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS loyalty_transfer_append_only()")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_transfer_no_update")
        schema_editor.execute(
            """CREATE TRIGGER loyalty_transfer_no_update BEFORE UPDATE ON loyalty_transfer
               BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"""
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0004_value_grants")]
    operations = [migrations.RunPython(forwards, backwards)]

"""inventory_reserve_row_at_commit: the one-row reservation sent WITH a caller's COMMIT, in one round
trip (inventory.services.do_reserve(at_commit=True), core.laststep.ride). A refusal raises, so that
COMMIT fails and the caller's whole transaction rolls back (docs/catalog-inventory.md, "The
reservation taken with the COMMIT").

Loads every file of the hot path (CREATE OR REPLACE: the two older functions are unchanged);
backwards drops the new function only.
"""

from django.db import migrations

from omnicanal.core import sql_functions

FILES = ("reserve.sql", "reserve_row.sql", "reserve_row_at_commit.sql")

NEW_SIGNATURES = (
    "inventory_reserve_row_at_commit(text, text, int, text, text, text, text, timestamptz, timestamptz, text, text, "
    "jsonb, text, text)",
)
# Every function of the hot path as it stands after this migration (tests/test_seams_reserve_sql.py).
SIGNATURES = (
    "inventory_reserve(text[], text[], int[], text, text, text, text, timestamptz, timestamptz, text, text, jsonb, "
    "text, text)",
    "inventory_reserve_row(text, text, int, text, text, text, text, timestamptz, timestamptz, text, text, jsonb, "
    "text, text)",
    *NEW_SIGNATURES,
)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0008_reserve_gives_way_without_raising")]

    operations = [sql_functions.install("omnicanal.inventory", FILES, NEW_SIGNATURES)]

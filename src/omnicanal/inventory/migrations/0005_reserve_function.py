"""The reserve hot path as PL/pgSQL functions (PostgreSQL only; SQLite always reserves under locks):
inventory_reserve_row for the common case, one stock row, and inventory_reserve for several.

Why a function and not one statement: each statement of a VOLATILE function takes a fresh snapshot,
so the UPDATE that runs after the row's queue (an advisory lock) sees the row as the previous holder
left it, instead of re-checking it through EvalPlanQual against a snapshot taken before the wait; and
its few simple plans cost PostgreSQL less to start than one statement of seven CTEs. Measured with
16 clients on one row: about a quarter less server CPU per reservation, and the one-row function,
which needs no arrays, aggregates or ordering, another 15 % (docs/catalog-inventory.md).

Their text lives in inventory/sql/ (reserve.sql, reserve_row.sql), next to the code that calls them
(inventory.locks.reserve_at_once), and this migration loads it. The files are the one definition: a
change to one needs a new migration that loads them again (CREATE OR REPLACE; a changed signature
also drops the old one), so that databases already past 0005 get it too.
"""

from functools import partial

from django.db import migrations

from omnicanal.core import sql_functions

# Created in this order; each file holds one CREATE OR REPLACE FUNCTION statement.
FILES = ("reserve.sql", "reserve_row.sql")

SIGNATURES = (
    "inventory_reserve(text[], text[], int[], text, text, text, text, timestamptz, timestamptz, text, text, jsonb, "
    "text)",
    "inventory_reserve_row(text, text, int, text, text, text, text, timestamptz, timestamptz, text, text, jsonb, text)",
)

sql_file = partial(sql_functions.sql_file, "omnicanal.inventory")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_reservation_channel_without_row_lock"), ("core", "0004_hot_path_partial_indexes")]

    operations = [sql_functions.install("omnicanal.inventory", FILES, SIGNATURES)]

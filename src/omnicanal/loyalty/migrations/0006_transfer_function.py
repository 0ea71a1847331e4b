"""The ledger's hot path as PL/pgSQL functions (PostgreSQL only; SQLite posts through the ORM):
loyalty_transfer posts one transfer in one call, loyalty_transfers many in one call.

Their text lives in loyalty/sql/ (transfer.sql, transfers.sql), next to the code that calls them
(loyalty.hot), and this migration loads it. The files are the one definition: a change to one needs a
new migration that loads them again (CREATE OR REPLACE; a changed signature also drops the old one).
"""

from functools import partial

from django.db import migrations

from omnicanal.core import sql_functions

# Created in this order (transfers.sql calls loyalty_transfer); one CREATE OR REPLACE FUNCTION each.
FILES = ("transfer.sql", "transfers.sql")

SIGNATURES = (
    "loyalty_transfers(jsonb)",
    "loyalty_transfer(text, text, text, text, numeric, bigint, boolean, bigint, boolean, bigint, text, text, text, "
    "text, text, jsonb, timestamptz, timestamptz, boolean)",
)

sql_file = partial(sql_functions.sql_file, "omnicanal.loyalty")


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0005_transfer_text_erasable")]

    operations = [sql_functions.install("omnicanal.loyalty", FILES, SIGNATURES)]

"""The reserve hot path's functions give way without raising: when the stock moved between their
read and their lock they delete the rows they wrote and answer go = false, instead of raising a
check violation. A call inside a caller's transaction then needs no savepoint around it (two round
trips, one of them under the hot row's lock): see docs/catalog-inventory.md, "The reserve hot path".

Same signatures: the files are loaded again (CREATE OR REPLACE). Backwards is nothing to do: the
older Python side also reads go = false as "gave way".
"""

from importlib import import_module

from django.db import migrations

from omnicanal.core import sql_functions

LOADER = import_module("omnicanal.inventory.migrations.0005_reserve_function")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_reserve_function_request_id")]

    operations = [sql_functions.install("omnicanal.inventory", LOADER.FILES)]

"""The reserve hot path's functions take the request id (p_request_id, last, default '') and write
it on the outbox row, as emit() does (core.requestid; core/0010 added the column).

A new parameter is a new signature: the old functions are dropped, then the files loaded again.
Backwards is nothing to do: the new functions answer the old calls too (the id defaults to '').
"""

from importlib import import_module

from django.db import migrations

from omnicanal.core import sql_functions

LOADER = import_module("omnicanal.inventory.migrations.0005_reserve_function")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_location_holidays"), ("core", "0011_outbox_request_id")]

    # the old signatures (without p_request_id) dropped, the files loaded again
    operations = [sql_functions.install("omnicanal.inventory", LOADER.FILES, replacing=LOADER.SIGNATURES)]

"""The reserve hot path's functions take the request id (p_request_id, last, default '') and write
it on the outbox row, as emit() does (core.requestid; core/0010 added the column).

A new parameter is a new signature: the old functions are dropped, then the files loaded again.
Backwards is nothing to do: the new functions answer the old calls too (the id defaults to '').
"""

from importlib import import_module

from django.db import migrations

LOADER = import_module("omnicanal.inventory.migrations.0005_reserve_function")
OLD_SIGNATURES = LOADER.SIGNATURES  # without p_request_id


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for signature in OLD_SIGNATURES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {signature}")
        for name in LOADER.FILES:
            schema_editor.execute(LOADER.sql_file(name))


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_location_holidays"), ("core", "0011_outbox_request_id")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

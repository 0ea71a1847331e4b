"""The CHECKs of the rows a reservation inserts, cheaper for PostgreSQL to check (issue 23).

PostgreSQL (15) parses a table's CHECK expressions from their stored text again for every INSERT
statement it executes (ExecRelCheck: stringToNode, then the expression compiled), so each CHECK costs
every hot-SKU reservation a parse; under callgrind the reservation function's server side spent
~135,000 of its ~743,000 instructions on its five CHECKs. Here, with the same guarantees:

- a reservation line's quantity is an IntegerField: PositiveIntegerField's own CHECK (>= 0) said less
  than reservation_line_positive (> 0), which stays;
- on PostgreSQL, the two "value is known" CHECKs compare with one constant array
  (`status::text = ANY ('{active,…}'::text[])`) instead of Django's `IN (…)`, which PostgreSQL stores
  as an array built of one cast constant per value: the same test, a fraction of the text to parse.
  The models keep Django's form (the migration state), so makemigrations sees no change; a test
  checks the database's form and that an unknown value is still refused.
"""

from django.db import migrations, models

# (table, constraint, column, known values) as of this migration (ReservationStatus, LineState).
KNOWN = (
    ("inventory_reservation", "reservation_status_known", "status", ("active", "committed", "released", "expired")),
    ("inventory_reservationline", "reservation_line_state_known", "state", ("held", "committed", "released")),
)


def _replace(schema_editor, cheap: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite checks what it stores as it is written: nothing to gain
    for table, name, column, values in KNOWN:
        quoted = ", ".join(f"'{v}'" for v in values)
        check = (f"{column}::text = ANY ('{{{','.join(values)}}}'::text[])" if cheap
                 else f"{column} IN ({quoted})")
        schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", '
                              f'ADD CONSTRAINT "{name}" CHECK ({check})')


def cheap_checks(apps, schema_editor) -> None:
    _replace(schema_editor, cheap=True)


def djangos_checks(apps, schema_editor) -> None:
    _replace(schema_editor, cheap=False)


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0010_reservation_line_without_foreign_key_checks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reservationline',
            name='quantity',
            field=models.IntegerField(),
        ),
        migrations.RunPython(cheap_checks, djangos_checks),
    ]

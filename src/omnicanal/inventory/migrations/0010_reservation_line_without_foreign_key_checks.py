"""A reservation line's two foreign keys without database constraints (issue 23): Django's are
DEFERRABLE INITIALLY DEFERRED, so both checks ran at the COMMIT of every reservation, while the hot
stock row's lock was held: two queries, and a FOR KEY SHARE row lock written on the new reservation
and on the hot stock row. Neither parent is ever deleted; the ORM keeps on_delete and
inventory.queries.stock_problems() reports an orphan line (docs/catalog-inventory.md, "Client side").
The indexes stay (by reservation; by stock and state)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0009_reserve_row_at_commit'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reservationline',
            name='reservation',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.reservation'),
        ),
        migrations.AlterField(
            model_name='reservationline',
            name='stock',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='reservation_lines', to='inventory.stocklevel'),
        ),
    ]

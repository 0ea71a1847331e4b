"""Indexes on the variant attributes the shop filters by (colour, size): the category page's filter
read `attributes ->> 'color'/'size'` of every variant (a sequential scan, docs/storefront.md "Speed",
"Sixth pass"). Expression indexes on the very expressions the filter writes (the `::varchar` cast the
ORM adds is a relabel the planner looks through), so its answers stay the same, a JSON number 42
still reading "42". On SQLite the same indexes are created and the filter may still scan."""

from django.db import migrations, models
from django.db.models.fields.json import KeyTextTransform


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_product_search_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(KeyTextTransform("color", "attributes"), KeyTextTransform("size", "attributes"),
                               name="variant_color_size"),
        ),
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(KeyTextTransform("size", "attributes"), name="variant_size"),
        ),
    ]

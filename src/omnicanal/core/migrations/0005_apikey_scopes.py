"""API keys get scopes. Existing integration keys keep orders, catalog and stock only: no customers'
personal data and no conversations until someone grants them (`omnicanal apikey scopes`)."""

from django.db import migrations, models

DEFAULT_INTEGRATION_SCOPES = ["catalog", "orders", "stock"]  # as core.models.DEFAULT_INTEGRATION_SCOPES


def existing_integration_keys(apps, schema_editor):
    ApiKey = apps.get_model("core", "ApiKey")
    ApiKey.objects.filter(role="integration").update(scopes=DEFAULT_INTEGRATION_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_hot_path_partial_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(existing_integration_keys, migrations.RunPython.noop),
    ]

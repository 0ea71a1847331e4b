import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0007_idempotency_claim_owner")]

    operations = [
        migrations.CreateModel(
            name="AuditNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("subject_id", models.CharField(db_index=True, max_length=64)),
                ("text", models.TextField(blank=True, default="")),
                ("entry", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="note",
                                               to="core.auditentry")),
            ],
            options={"verbose_name": "audit note"},
        ),
    ]

from django.db import migrations, models

# The birthday flow's gift (marketing.flows.BIRTHDAY_COUPON), given to the row a database already has.
BIRTHDAY_COUPON = {"kind": "percent", "value": "10", "days": 30}


def birthday_gift(apps, schema_editor):
    for row in apps.get_model("marketing", "Flow").objects.filter(kind="birthday"):
        if not row.coupon:
            row.coupon = BIRTHDAY_COUPON
            row.save(update_fields=["coupon"])


class Migration(migrations.Migration):

    dependencies = [
        ("marketing", "0008_subscription_charging_order"),
    ]

    operations = [
        migrations.AddField(
            model_name='flow',
            name='coupon',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(birthday_gift, migrations.RunPython.noop),
    ]

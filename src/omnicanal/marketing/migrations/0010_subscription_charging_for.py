from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketing', '0009_flow_coupon'),
    ]

    operations = [
        migrations.AddField(
            model_name='subscription',
            name='charging_for',
            field=models.DateField(blank=True, null=True),
        ),
    ]

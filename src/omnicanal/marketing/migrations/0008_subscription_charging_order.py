from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketing', '0007_subscription_card'),
    ]

    operations = [
        migrations.AddField(
            model_name='subscription',
            name='charging_order_id',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
    ]

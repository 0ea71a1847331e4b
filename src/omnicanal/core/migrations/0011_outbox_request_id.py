from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_user_time_zone'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxevent',
            name='request_id',
            field=models.CharField(blank=True, db_default='', default='', max_length=64),
        ),
    ]

"""Feedback's periodic work: the trend alerts (services.trends), hourly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="23"))
def check_trends() -> int:
    from django.db import transaction

    from omnicanal.feedback.services import trends

    with transaction.atomic():
        return len(trends.do_check_trends())

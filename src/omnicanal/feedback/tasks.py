"""Feedback's periodic work: the trend alerts (services.trends), hourly; due survey sends and review
requests (services.triggers), every five minutes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="23"))
def check_trends() -> int:
    from django.db import transaction

    from omnicanal.feedback.services import trends

    with transaction.atomic():
        return len(trends.do_check_trends())


@db_periodic_task(crontab(minute="*/5"))
def send_due_surveys() -> int:
    """Due survey sends and review requests (services.triggers), one transaction each."""
    from django.db import transaction

    from omnicanal.core import clock
    from omnicanal.feedback import config
    from omnicanal.feedback.services import triggers

    at = clock.now()
    done = 0
    for pk in triggers.due_ids(at, int(config.get("DUE_BATCH"))):
        with transaction.atomic():
            done += triggers.do_send_one(pk=pk, at=at) is not None
    return done

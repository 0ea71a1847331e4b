"""Periodic work: mark abandoned carts (engagement reminds their customers)."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def mark_abandoned_carts() -> int:
    from omnicanal.orders import services

    with transaction.atomic():
        return services.do_mark_abandoned()

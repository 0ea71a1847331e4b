"""Periodic work of the customers domain."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnicanal.customers.services import do_find_duplicates


@db_periodic_task(crontab(minute="23"))
def find_duplicates() -> int:
    """Hourly: new pairs for the staff review queue (rejected pairs never come back)."""
    with transaction.atomic():
        return len(do_find_duplicates())

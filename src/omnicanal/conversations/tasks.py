"""Periodic work of the conversations domain: SLA timers, snoozed conversations and the stored
deliveries' tombstones every minute; refused deliveries daily."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnicanal.conversations.services import do_check_sla, do_wake_snoozed


@db_periodic_task(crontab(minute="*"))
def check_sla() -> dict:
    with transaction.atomic():
        return do_check_sla()


@db_periodic_task(crontab(minute="*"))
def wake_snoozed() -> int:
    with transaction.atomic():
        return do_wake_snoozed()


@db_periodic_task(crontab(minute="*"))
def purge_delivery_tombstones() -> int:
    from omnicanal.conversations.services.accept import do_purge_tombstones

    return do_purge_tombstones()


@db_periodic_task(crontab(minute="23", hour="4"))
def purge_refused_deliveries() -> int:
    from omnicanal.conversations.services.accept import do_purge_refused_deliveries

    with transaction.atomic():
        return do_purge_refused_deliveries()

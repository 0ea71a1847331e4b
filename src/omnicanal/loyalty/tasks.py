"""Periodic loyalty work: release unpaid holds, expiry notices and expiry of points, tiers."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnicanal.loyalty.services import ledger, program


@db_periodic_task(crontab(minute="*"))
def expire_holds() -> int:
    from django.db import transaction

    with transaction.atomic():
        return len(ledger.do_expire_holds())


@db_periodic_task(crontab(minute="5", hour="4"))
def expire_points() -> int:
    """Daily, in the small hours (UTC): notices first, then what is due expires."""
    from django.db import transaction

    with transaction.atomic():
        program.do_notify_expiring()
    with transaction.atomic():
        return program.do_expire_points()


@db_periodic_task(crontab(minute="35", hour="4"))
def refresh_tiers() -> int:
    """Daily: spend that leaves the 12-month window lowers tiers."""
    from django.db import transaction

    with transaction.atomic():
        return program.do_refresh_tiers()

"""Periodic work of the inventory: reservations past their hold are released."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnicanal.inventory.services import do_expire_reservations


@db_periodic_task(crontab(minute="*"))
def release_expired_reservations() -> int:
    # Each reservation is released in its own transaction inside the service.
    return do_expire_reservations(limit=1000)

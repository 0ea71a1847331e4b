"""The worker's side of outbound webhooks: sending an endpoint's deliveries, and the sweep that
picks up retries whose time has come."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from omnicanal.integrations import services


@db_task(retries=0)
def deliver_endpoint(endpoint_pk: int) -> int:
    return services.do_deliver(endpoint_pk)


@db_periodic_task(crontab(minute="*"))
def deliver_due() -> int:
    return sum(services.do_deliver(pk) for pk in services.endpoints_due())

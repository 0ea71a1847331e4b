"""Reactions to every domain's events, by topic name (never importing the domains): in the worker,
after the commit that wrote the event, each subscribed endpoint gets its delivery, sent at once."""

from django.db import transaction

from omnicanal.core import outbox
from omnicanal.integrations import catalogue, services, tasks


def fan_out(event: outbox.Envelope) -> None:
    endpoints = services.do_fan_out(event)
    for endpoint_pk in endpoints:
        transaction.on_commit(lambda pk=endpoint_pk: tasks.deliver_endpoint(pk))


for _topic in catalogue.BY_TOPIC:
    outbox.handles(_topic, background=True)(fan_out)


@outbox.handles("customers.CustomerErased", background=True)
def scrub_erased(event: outbox.Envelope) -> None:
    services.do_scrub_customer(event.payload["customer_id"])

"""Reactions to every domain's events, by topic name (never importing the domains): after the
commit that wrote the event, each subscribed endpoint gets its delivery row (a short in-process
handler, so the outbox marks the event done at once, as before), and the worker sends it (a huey
task: the network is never touched in the request's process)."""

from django.db import transaction

from omnicanal.core import outbox
from omnicanal.integrations import catalogue, services, tasks


def fan_out(event: outbox.Envelope) -> None:
    _deliver_after_commit(services.do_fan_out(event))


def fan_out_many(events: list[outbox.Envelope]) -> None:
    """fan_out's batched form: the worker's hand-over of several placed orders at once (core.outbox)."""
    _deliver_after_commit(services.do_fan_out_many(events))


fan_out.many = fan_out_many  # type: ignore[attr-defined]


def _deliver_after_commit(endpoints: list[int]) -> None:
    for endpoint_pk in endpoints:
        transaction.on_commit(lambda pk=endpoint_pk: tasks.deliver_endpoint(pk))


# An order's deliveries are fanned out in the worker: the order's answer (a flash sale's buyers) never
# waits for it (docs/orders.md).
IN_WORKER = {"orders.OrderPlaced"}
for _topic in catalogue.BY_TOPIC:
    outbox.handles(_topic, background=_topic in IN_WORKER)(fan_out)


@outbox.handles("customers.CustomerErased")
def scrub_erased(event: outbox.Envelope) -> None:
    services.do_scrub_customer(event.payload["customer_id"])

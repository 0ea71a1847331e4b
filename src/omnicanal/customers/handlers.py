"""Other domains' events, appended to the customer's timeline (subscribed by topic name only).

A payload names its customer in `customer_id` (or `owner_id` when that is a customer id); events
that name none are not about one customer and are skipped. Types and wording live in
customers.timeline_texts, so a reader sees them in their own language. A domain may instead call
services.do_append_timeline itself; an event with the same (type, ref) is never appended twice.
"""

from __future__ import annotations

from omnicanal.core import outbox
from omnicanal.core.errors import NotFound
from omnicanal.customers import queries
from omnicanal.customers.models import Customer, TimelineEvent
from omnicanal.customers.services import TimelineEntry, do_append_timeline, do_append_timelines
from omnicanal.customers.timeline_texts import TOPICS

REF_KEYS = ("number", "order_number", "order_id", "reference", "order_ref", "ticket", "conversation_id", "id")


def _customer_id(payload: dict) -> str | None:
    for key in ("customer_id", "owner_id"):
        value = payload.get(key)
        if isinstance(value, str) and value.startswith("cus_"):
            return value
    return None


def append_from_event(event: outbox.Envelope) -> None:
    timeline_type, fields = TOPICS[event.topic]
    customer_id = _customer_id(event.payload)
    if customer_id is None:
        return
    try:
        customer = queries.get_customer(customer_id)
    except NotFound:  # an id we never issued: nothing to append to
        return
    ref = next((str(event.payload[k]) for k in REF_KEYS if event.payload.get(k)), "")[:100]
    if ref and TimelineEvent.objects.filter(customer=customer, type=timeline_type, ref=ref).exists():
        return
    data = {name: event.payload.get(name) for name in fields if name in event.payload}
    do_append_timeline(
        customer_id=customer.public_id, type=timeline_type, channel=str(event.payload.get("channel") or "")[:20],
        summary=f"{event.topic} {ref}".strip(), ref=ref, at=event.occurred_at, data=data,
    )


def append_many_from_events(events: list[outbox.Envelope]) -> None:
    """append_from_event for many events in one transaction (oldest first): the same entries, each
    customer read once, the duplicates found with one query and the rows written with one INSERT.
    A drain that runs several events per transaction (the demo's) calls it through `.many`."""
    customers: dict[str, Customer | None] = {}
    wanted = []
    for event in events:
        customer_id = _customer_id(event.payload)
        if customer_id is None:
            continue
        if customer_id not in customers:
            try:
                customers[customer_id] = queries.get_customer(customer_id)
            except NotFound:  # an id we never issued: nothing to append to
                customers[customer_id] = None
        customer = customers[customer_id]
        if customer is None:
            continue
        timeline_type, fields = TOPICS[event.topic]
        ref = next((str(event.payload[k]) for k in REF_KEYS if event.payload.get(k)), "")[:100]
        wanted.append((event, customer, timeline_type, fields, ref))
    refs = {ref for *_rest, ref in wanted if ref}
    seen = set(TimelineEvent.objects.filter(customer__in={c.pk for _e, c, *_r in wanted}, ref__in=refs)
               .values_list("customer_id", "type", "ref")) if refs else set()
    entries = []
    for event, customer, timeline_type, fields, ref in wanted:
        if ref and (customer.pk, timeline_type, ref) in seen:
            continue
        if ref:
            seen.add((customer.pk, timeline_type, ref))
        entries.append(TimelineEntry(
            customer_id=customer.public_id, customer=customer, type=timeline_type,
            channel=str(event.payload.get("channel") or "")[:20], summary=f"{event.topic} {ref}".strip(), ref=ref,
            at=event.occurred_at, data={name: event.payload.get(name) for name in fields if name in event.payload}))
    do_append_timelines(entries)


append_from_event.many = append_many_from_events  # type: ignore[attr-defined]

# An order's timeline entry is written in the worker: the order's answer (a flash sale's buyers) never
# waits for it (docs/orders.md); the other topics' entries stay right after their commit.
IN_WORKER = {"orders.OrderPlaced"}
for _topic in TOPICS:
    outbox.handles(_topic, background=_topic in IN_WORKER)(append_from_event)

import pytest
from django.db import transaction

from omnicanal.core import outbox
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import queries
from omnicanal.customers.services import do_append_timeline


def test_other_domains_append_through_the_service_and_aliases_land_on_the_survivor(customer, identify):
    with transaction.atomic():
        item = do_append_timeline(customer_id=customer.public_id, type="order.placed", channel="web",
                                  summary="Pedido 1001 · $59.990", ref="1001")
    assert item.customer_id == customer.pk
    assert queries.timeline(customer.public_id, type="order.placed")[0].summary == "Pedido 1001 · $59.990"


def test_bad_timeline_input_is_refused(customer):
    with pytest.raises(ValidationFailed):
        do_append_timeline(customer_id=customer.public_id, type="Order Placed!", channel="web", summary="x")


@pytest.mark.django_db(transaction=True)
def test_events_of_other_domains_reach_the_timeline_by_topic():
    from dataclasses import dataclass

    from omnicanal.customers.services import do_identify

    @dataclass(frozen=True)
    class PointsEarned:  # stands in for loyalty's event: the topic is all that matters
        customer_id: str
        amount: int
        unit: str
        reference: str

    PointsEarned.__module__ = "omnicanal.loyalty.events"
    with transaction.atomic():
        customer_id = do_identify(channel="web", identities=[{"kind": "email", "value": "a@example.cl"}]).customer_id
    with transaction.atomic():
        outbox.emit(PointsEarned(customer_id, 120, "points", "ord_1"))
        outbox.emit(PointsEarned(customer_id, 120, "points", "ord_1"))  # the same fact twice
    items = queries.timeline(customer_id, type="loyalty")
    assert [(i.type, i.ref) for i in items] == [("loyalty.earned", "ord_1")]
    assert "120" in items[0].summary


def test_many_events_append_as_one_at_a_time_would_and_a_ref_only_once(customer):
    from omnicanal.customers.handlers import append_from_event, append_many_from_events

    def envelope(pk, topic, **payload):
        return outbox.Envelope(id=pk, topic=topic, payload=payload, occurred_at=customer.created_at)

    with transaction.atomic():
        append_from_event(envelope(1, "loyalty.PointsEarned", customer_id=customer.public_id, amount=10,
                                   reference="ord_1"))
        append_many_from_events([
            envelope(2, "loyalty.PointsEarned", customer_id=customer.public_id, amount=10, reference="ord_1"),
            envelope(3, "loyalty.PointsEarned", customer_id=customer.public_id, amount=20, reference="ord_2"),
            envelope(4, "loyalty.PointsEarned", customer_id=customer.public_id, amount=20, reference="ord_2"),
            envelope(5, "loyalty.PointsEarned", customer_id="cus_unknown", amount=5, reference="ord_3"),
            envelope(6, "loyalty.PointsEarned", amount=5, reference="ord_4"),
        ])
    refs = sorted(item.ref for item in queries.timeline(customer.public_id))
    assert refs.count("ord_1") == 1 and refs.count("ord_2") == 1 and "ord_3" not in refs

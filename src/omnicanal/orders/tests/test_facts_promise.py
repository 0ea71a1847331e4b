"""The order book's facts for reporting: a fulfilment's promise and delivery stamps, and the
location behind an order reference (analytics' on-time rate and conversation locations)."""

import datetime as dt

from django.db import transaction

from omnicanal.core import clock
from omnicanal.orders import queries, services
from omnicanal.orders.services import PROMISE_DAYS
from omnicanal.orders.tests.conftest import make_customer, make_world

AT = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def make_stocked_world():
    from omnicanal.inventory import services as inventory

    make_world()
    with transaction.atomic():
        inventory.do_receive_stock(location="VAP", lines=[("SOCK-1", 5)])


def _place(customer, **delivery):
    with clock.frozen(AT), transaction.atomic():
        return services.do_place_order(channel="web", customer_id=customer, delivery=delivery,
                                       lines=[services.LineIn(sku="SOCK-1", quantity=1)]).public_id


def test_a_fulfilments_fact_carries_the_promise_placement_wrote(db):
    make_stocked_world()
    order = _place(make_customer(), method="pickup", location="VAP")
    fulfilment = queries.order_fact(order).fulfillments[0]
    assert fulfilment.promised_at == AT + dt.timedelta(days=PROMISE_DAYS["pickup"])
    assert fulfilment.shipped_at is None and fulfilment.arrived_at is None


def test_order_locations_answers_by_id_or_number_and_leaves_unknown_refs_out(db):
    make_stocked_world()
    order = _place(make_customer(), method="pickup", location="VAP")
    number = queries.get_order(order).number
    assert queries.order_locations([order, number, "AS-999999", "ord_nothere", ""]) == {order: "VAP", number: "VAP"}

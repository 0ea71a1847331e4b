"""The demo loads about 2,000 orders across channels, with open work in the queues."""


import pytest
from django.db import transaction

from omnicanal.orders.models import Fulfillment, Order


class _Out:
    def write(self, text):
        pass


@pytest.mark.django_db
def test_the_demo_loads_two_thousand_orders_with_open_work():
    from omnicanal.catalog import demo as catalog_demo
    from omnicanal.core.demo import rng_for
    from omnicanal.customers import demo as customers_demo
    from omnicanal.inventory import demo as inventory_demo
    from omnicanal.orders import demo

    for module, label in ((catalog_demo, "catalog"), (inventory_demo, "inventory"), (customers_demo, "customers")):
        with transaction.atomic():
            module.load(seed=7, rng=rng_for(label, 7), out=_Out())
    with transaction.atomic():
        demo.load(seed=7, rng=rng_for("orders", 7), out=_Out())
    assert Order.objects.count() >= 1990
    assert set(Order.objects.values_list("channel", flat=True)) >= {"web", "app", "marketplace", "pos"}
    assert set(Order.objects.values_list("delivery_method", flat=True)) >= {"ship", "pickup", "carry_out"}
    assert Fulfillment.objects.filter(status__in=("pending", "picking", "packed", "ready_for_pickup")).count() >= 20


@pytest.mark.django_db
def test_the_demo_opens_its_disputes_days_after_the_order_not_when_it_loads():
    import datetime as dt
    import random

    from omnicanal.catalog import demo as catalog_demo
    from omnicanal.catalog import queries as catalog_queries
    from omnicanal.core import clock
    from omnicanal.core.demo import rng_for
    from omnicanal.customers import demo as customers_demo
    from omnicanal.customers import queries as customers
    from omnicanal.inventory import demo as inventory_demo
    from omnicanal.orders import demo
    from omnicanal.orders.models import Dispute

    for module, label in ((catalog_demo, "catalog"), (inventory_demo, "inventory"), (customers_demo, "customers")):
        with transaction.atomic():
            module.load(seed=7, rng=rng_for(label, 7), out=_Out())
    now = clock.now()
    disputes, _ = demo._disputes_and_mail_returns(random.Random(7), customers.customer_ids(limit=50),
                                                  catalog_queries.variant_summaries(), now)
    assert disputes >= 3
    for dispute in Dispute.objects.select_related("order"):
        assert dispute.order.placed_at + dt.timedelta(days=1) < dispute.created_at <= now - dt.timedelta(hours=1)
        if dispute.decided_at:
            assert dispute.created_at < dispute.decided_at < now

"""The demo loads about 2,000 orders across channels, with open work in the queues."""

import time

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
    started = time.monotonic()
    with transaction.atomic():
        demo.load(seed=7, rng=rng_for("orders", 7), out=_Out())
    assert time.monotonic() - started < 60
    assert Order.objects.count() >= 1990
    assert set(Order.objects.values_list("channel", flat=True)) >= {"web", "app", "marketplace", "pos"}
    assert set(Order.objects.values_list("delivery_method", flat=True)) >= {"ship", "pickup", "carry_out"}
    assert Fulfillment.objects.filter(status__in=("pending", "picking", "packed", "ready_for_pickup")).count() >= 20

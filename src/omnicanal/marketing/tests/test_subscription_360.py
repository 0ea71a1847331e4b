"""The customer 360 shows the customer's subscriptions (state, next order, products) to whoever
reads it; the demo loads two subscriptions for demo customers."""

import random

import pytest
from django.db import transaction

from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.test_subscriptions import subscribe
from omnicanal.orders.tests.helpers import console_login


def test_the_360_shows_an_agent_her_subscriptions(client, ana, bea):
    sub = subscribe(ana)
    with transaction.atomic():
        subs.do_pause(subscription_id=subscribe(ana, sku="GEL-2", quantity=2, interval=45), by="customer")
    console_login(client, "agent", (), "agent-subs")
    page = client.get(f"/console/customers/{ana}/").content.decode()
    panel = page.split('data-testid="panel-subscriptions"')[1].split("</section>")[0]
    row = panel.split(f'data-subscription="{sub}"')[1].split("</tr>")[0]
    assert "4 × Gel Maratón" in row and "Activa" in row and "Cada 30 días" in row and "SCL" in row
    assert "2 × Gel Ultra" in panel and "Pausada" in panel
    assert "Gestionar suscripciones" not in panel  # acting on them is for marketers and managers
    assert "No hay suscripciones." in client.get(f"/console/customers/{bea}/").content.decode()


def test_a_marketer_is_linked_to_the_subscriptions_page(client, ana):
    subscribe(ana)
    console_login(client, "marketer", (), "marketer-subs")
    page = client.get(f"/console/customers/{ana}/").content.decode()
    assert f"/console/marketing/subscriptions/?customer={ana}" in page


def load_demo_customers():
    """The catalog, inventory and customers demos (what marketing's demo subscriptions need)."""
    from omnicanal.catalog import demo as catalog_demo
    from omnicanal.core.demo import rng_for
    from omnicanal.customers import demo as customers_demo
    from omnicanal.inventory import demo as inventory_demo

    class Out:
        def write(self, text):
            pass

    for module, label in ((catalog_demo, "catalog"), (inventory_demo, "inventory"), (customers_demo, "customers")):
        with transaction.atomic():
            module.load(seed=7, rng=rng_for(label, 7), out=Out())


@pytest.mark.django_db
def test_the_demo_subscribes_two_customers():
    from omnicanal.marketing import demo

    load_demo_customers()
    with transaction.atomic():
        assert demo._subscriptions(random.Random(7)) == 2
    rows = list(Subscription.objects.order_by("pk"))
    assert [(r.delivery_method, r.location, r.state) for r in rows] == [("pickup", "SCL-CENTRO", "active"),
                                                                        ("ship", "", "active")]
    assert rows[1].address["line1"] and rows[0].customer_id != rows[1].customer_id

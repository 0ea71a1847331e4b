"""Feedback fixtures: the orders tests' small chain, a customer, orders that reached her (a POS
carry-out sale) or not yet (a shipment on its way), and a Store API device signed in as her."""

import pytest
from django.db import transaction

from omnicanal.channels.tests.plugin import whatsapp_server  # noqa: F401  (a fixture: the loopback WhatsApp Cloud API)
from omnicanal.conversations.tests.conftest import actor, make_agent, receive  # noqa: F401  (fixtures)
from omnicanal.core.money import Money
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront.tests.conftest import Device, phone  # noqa: F401  (phone: a fixture)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    """The worker runs at "now + a delay", whatever the hour the suite runs at: no quiet hours unless
    a test asks for them (test_quiet_hours.py sets them and fixed instants)."""
    settings.OMNICANAL = {**settings.OMNICANAL, "QUIET_HOURS": None}


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def ana(world):
    return make_customer()


@pytest.fixture
def bea(world):
    return make_customer(phone="+56998761234", name="Bea Soto", email="bea@example.cl")


def place(customer_id, *, sku="SOCK-1", quantity=1, method="carry_out", location="SCL", channel="pos"):
    """An order of `sku` for the customer: a carry-out at the POS reached her at once; a shipment has not."""
    from omnicanal.orders import services as orders

    delivery = {"method": method, "location": location} if method != "ship" else {
        "method": "ship", "address": {"line1": "Av. Italia 1", "city": "Santiago", "country": "CL"}}
    with transaction.atomic():
        order = orders.do_place_order(
            channel=channel if method == "carry_out" else "web", delivery=delivery, customer_id=customer_id,
            lines=[orders.LineIn(sku=sku, quantity=quantity)],
            payments=[orders.PaymentIn(method="cash" if method == "carry_out" else "card",
                                       amount=Money.of(5000 * quantity) if method == "carry_out" else None)],
        )
    return order.public_id


@pytest.fixture
def shopper(client, api, world):
    """shopper(customer_id) -> a Store API device signed in as that customer."""
    from django.test import Client

    def make(customer_id):
        device = Device(Client())
        response = api.post(f"/customers/{customer_id}/sessions", {"token": device.token})
        assert response.status_code == 201, response.content
        return device

    return make

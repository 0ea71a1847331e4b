"""Marketing fixtures: the orders tests' small chain plus a cycling and nutrition catalog (bicycles
durable, cycling accessories one-off, energy gels replenishable every 30 days), stocked in the
warehouse and at the SCL store; purchases placed at chosen times at the POS (any channel counts)."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.money import Money
from omnicanal.marketing import queries
from omnicanal.orders.tests.conftest import make_customer, make_world

PRICES = {"BIKE-M": 500000, "BIKE2-M": 600000, "HELMET-1": 30000, "PUMP-1": 15000, "GEL-1": 2000, "GEL-2": 2500}
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # a Monday, 12:00 in Santiago


@pytest.fixture(autouse=True)
def _fresh_model():
    queries.forget_model()
    yield
    queries.forget_model()


def make_shop():
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.inventory import services as inventory

    locations = make_world()
    with transaction.atomic():
        cycling = catalog.do_create_category(slug="ciclismo", name_es="Ciclismo", name_en="Cycling", purchase_cycle="durable")
        bikes = catalog.do_create_category(slug="bicicletas", name_es="Bicicletas", name_en="Bicycles", parent=cycling,
                                           purchase_cycle="durable")
        gear = catalog.do_create_category(slug="accesorios-ciclismo", name_es="Accesorios de ciclismo",
                                          name_en="Cycling accessories", parent=cycling, purchase_cycle="one_off")
        gels = catalog.do_create_category(slug="geles", name_es="Geles energéticos", name_en="Energy gels",
                                          purchase_cycle="replenishable", replenish_days=30)
        brand = catalog.do_ensure_brand(name="Cóndor")
        for name, handle, category, sku in (("Bicicleta Cordillera", "bicicleta-cordillera", bikes, "BIKE-M"),
                                            ("Bicicleta Valle", "bicicleta-valle", bikes, "BIKE2-M"),
                                            ("Casco Ruta", "casco-ruta", gear, "HELMET-1"),
                                            ("Bombín Pro", "bombin-pro", gear, "PUMP-1"),
                                            ("Gel Maratón", "gel-maraton", gels, "GEL-1"),
                                            ("Gel Ultra", "gel-ultra", gels, "GEL-2")):
            catalog.do_create_product(name_es=name, name_en=name, handle=handle, category=category, brand=brand,
                                      price=Money.of(PRICES[sku]), variants=[VariantSpec(sku=sku)])
        for code in ("WH", "SCL"):
            inventory.do_receive_stock(location=code, lines=[(sku, 40) for sku in PRICES])
    return locations


@pytest.fixture
def shop(db):
    return make_shop()


@pytest.fixture
def ana(shop):
    return make_customer()


@pytest.fixture
def bea(shop):
    return make_customer(phone="+56998761234", name="Bea Soto", email="bea@example.cl")


def buy(customer_id, sku, *, at, quantity=1):
    """A carry-out sale at the SCL store's POS at `at` (purchase cycles read every channel)."""
    from omnicanal.orders import services as orders

    with clock.frozen(at), transaction.atomic():
        return orders.do_place_order(
            channel="pos", delivery={"method": "carry_out", "location": "SCL"}, customer_id=customer_id,
            lines=[orders.LineIn(sku=sku, quantity=quantity)],
            payments=[orders.PaymentIn(method="cash", amount=Money.of(PRICES[sku] * quantity))]).public_id


def grant(customer_id, channel="email", purpose="marketing"):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_grant_consent(customer_id=customer_id, channel=channel, purpose=purpose, source="test")


def train(at=None):
    from omnicanal.marketing import services

    with clock.frozen(at or clock.now()), transaction.atomic():
        return services.do_train_recommender()

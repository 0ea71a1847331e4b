"""Orders fixtures: a small chain (warehouse, two stores, dark store, supplier, locker), shoes,
socks and a tent only the supplier holds, stock, and a customer."""

import pytest
from django.db import transaction

from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog import services as catalog
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money
from omnicanal.inventory import services as inventory

HOURS = {"mon-sun": "00:00-23:59"}


def make_world():
    with transaction.atomic():
        return _make_world()


def _make_world():
    catalog.do_ensure_default_channels()
    shoes = catalog.do_ensure_category(ref="zapatillas")
    catalog.do_create_product(name_es="Zapatilla Trail", category=shoes, price=Money.of("50000"),
                              variants=[VariantSpec(sku=s) for s in ("SHOE-40", "SHOE-41", "SHOE-42")])
    catalog.do_create_product(name_es="Calcetín", category=shoes, price=Money.of("5000"),
                              variants=[VariantSpec(sku="SOCK-1", gtin="7800000000016")])
    catalog.do_create_product(name_es="Carpa 4P", category=catalog.do_ensure_category(ref="camping"),
                              price=Money.of("120000"), variants=[VariantSpec(sku="TENT-1")])
    marketplace = catalog_queries.get_channel("marketplace")
    for sku in ("SHOE-40", "SHOE-41", "SHOE-42", "SOCK-1", "TENT-1"):  # it publishes nothing by default
        catalog.do_set_listing(channel=marketplace, variant=catalog_queries.get_variant(sku), published=True)
    locs = {}
    locs["WH"] = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship", "returns"],
                                              lat=-33.389, lon=-70.775)
    for code, lat, lon, caps in (("SCL", -33.4429, -70.6539, ["ship", "pickup", "curbside", "returns"]),
                                 ("VAP", -33.0472, -71.6127, ["ship", "pickup", "returns"])):
        locs[code] = inventory.do_create_location(code=code, name=f"Tienda {code}", kind="store", capabilities=caps,
                                                  lat=lat, lon=lon, opening_hours=HOURS)
    locs["DS"] = inventory.do_create_location(code="DS", name="Dark store", kind="dark_store", capabilities=["ship"],
                                              lat=-33.4263, lon=-70.6147)
    locs["SUP"] = inventory.do_create_location(code="SUP", name="Proveedor", kind="supplier", capabilities=["ship"],
                                               lat=-41.4693, lon=-72.9424)
    locs["LOCK"] = inventory.do_create_location(code="LOCK", name="Locker", kind="pickup_point", capabilities=["pickup"],
                                                lat=-33.4220, lon=-70.6080, opening_hours=HOURS)
    inventory.do_receive_stock(location=locs["WH"], lines=[("SHOE-40", 10), ("SHOE-41", 10), ("SOCK-1", 50)])
    inventory.do_receive_stock(location=locs["SCL"], lines=[("SHOE-40", 3), ("SOCK-1", 5)])
    inventory.do_receive_stock(location=locs["VAP"], lines=[("SHOE-42", 2)])
    inventory.do_receive_stock(location=locs["SUP"], lines=[("TENT-1", 5)])
    return locs


def make_customer(phone="+56987654321", name="Ana Pérez", email="ana@example.cl"):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        return customers.do_identify(channel="web", identities=[{"kind": "phone", "value": phone},
                                                            {"kind": "email", "value": email}],
                                 traits={"name": name}).customer_id


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def customer_id(world):
    return make_customer()


def stock(code, sku):
    from omnicanal.inventory import queries

    return queries.stock_level(location=code, sku=sku)

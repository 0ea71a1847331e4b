"""Inventory fixtures: a small chain (warehouse, two stores, a dark store, a locker) and a shoe."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.catalog import services as catalog
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money
from omnicanal.inventory import queries, services
from omnicanal.inventory.services import ReserveLine

HOURS = {"mon-fri": "10:00-20:00", "sat": "10:00-21:00", "sun": "11:00-19:00"}


def make_catalog(skus=("SHOE-40", "SHOE-41", "SHOE-42")):
    catalog.do_ensure_default_channels()  # transactional tests flush the migration's rows
    category = catalog.do_ensure_category(ref="zapatillas")
    catalog.do_create_product(name_es="Zapatilla Test", category=category, price=Money.of("50000"),
                              variants=[VariantSpec(sku=s) for s in skus])


def make_locations():
    """WH (ships), SCL and VAP stores (ship + pickup, one unit kept for walk-ins), DS (ships), LOCK."""
    made = {}
    made["WH"] = services.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                             lat=-33.389, lon=-70.775, opening_hours={"mon-sat": "07:00-22:00"})
    for code, lat, lon in (("SCL", -33.4429, -70.6539), ("VAP", -33.0472, -71.6127)):
        made[code] = services.do_create_location(
            code=code, name=f"Tienda {code}", kind="store", capabilities=["ship", "pickup", "returns"], lat=lat,
            lon=lon, opening_hours=HOURS,
            channels=[{"channel": "web", "ships": True, "pickup": True, "safety_stock": 1, "priority": 50},
                      {"channel": "pos", "ships": False, "pickup": True}],
        )
    made["DS"] = services.do_create_location(code="DS", name="Dark store", kind="dark_store", capabilities=["ship"],
                                             lat=-33.4263, lon=-70.6147)
    made["LOCK"] = services.do_create_location(code="LOCK", name="Locker", kind="pickup_point",
                                               capabilities=["pickup"], opening_hours={"mon-sun": "06:00-23:00"})
    return made


@pytest.fixture
def chain(db):
    make_catalog()
    return make_locations()


def receive(location, **skus):
    return services.do_receive_stock(location=location, lines=list(skus.items()))


def reserve(ref, *lines, channel="web", **kw):
    """As a caller does: in a transaction of its own, so that a refusal leaves nothing behind. Other
    domains get a frozen ReservationInfo; inventory's own tests read the row it names."""
    with transaction.atomic():
        made = services.do_reserve(reference=ref, channel=channel, lines=[ReserveLine(*line) for line in lines], **kw)
    return queries.get_reservation(made.id)


# A Wednesday at 15:00 in Santiago (UTC−3 in January)
WEDNESDAY_AFTERNOON = dt.datetime(2026, 1, 14, 18, 0, tzinfo=dt.UTC)

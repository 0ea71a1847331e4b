"""A small shop for the browse tests: two categories, three products (one unpublished on the web),
two stores and a warehouse in Santiago, stock in some of them (not a fixture module: H5 owns conftest)."""

import datetime as dt

from omnicanal.catalog import services as catalog
from omnicanal.catalog.models import Channel, Variant
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money
from omnicanal.inventory import services as inventory

HOURS = {"mon-sat": "10:00-20:00", "sun": "closed"}
# A Wednesday at 15:00 in Santiago (UTC−3 in January): the stores are open.
WEDNESDAY_AFTERNOON = dt.datetime(2026, 1, 14, 18, 0, tzinfo=dt.UTC)
# The same day at 21:30: closed for the rest of the day.
WEDNESDAY_NIGHT = dt.datetime(2026, 1, 15, 0, 30, tzinfo=dt.UTC)
NEAR_PROVIDENCIA = (-33.4250, -70.6100)  # a shopper a few blocks from the Providencia store


def make_shop() -> None:
    catalog.do_ensure_default_channels()
    running = catalog.do_create_category(slug="running", name_es="Running", name_en="Running")
    shoes = catalog.do_create_category(slug="zapatillas", name_es="Zapatillas", name_en="Shoes", parent=running)
    outdoor = catalog.do_create_category(slug="outdoor", name_es="Outdoor", name_en="Outdoor")
    condor = catalog.do_ensure_brand(name="Cóndor")
    catalog.do_create_product(
        name_es="Zapatilla Niño Chispa", name_en="Chispa kids shoe", description_es="Liviana para correr.",
        description_en="Light for running.", category=shoes, brand=condor, price=Money.of("39990"),
        handle="zapatilla-nino-chispa",
        variants=[VariantSpec(sku="CHI-32", attributes={"size": "32", "color": "rojo"}),
                  VariantSpec(sku="CHI-34", attributes={"size": "34", "color": "azul"}, price="42990")])
    catalog.do_create_product(
        name_es="Zapatilla Trail Cerro", category=shoes, price=Money.of("89990"), handle="zapatilla-trail-cerro",
        variants=[VariantSpec(sku="CER-42", attributes={"size": "42", "color": "negro"})])
    catalog.do_create_product(
        name_es="Chaqueta Oculta", category=outdoor, price=Money.of("99990"), handle="chaqueta-oculta",
        variants=[VariantSpec(sku="OCU-M", attributes={"size": "M"})])
    web = Channel.objects.get(pk="web")
    catalog.do_set_listing(channel=web, variant=Variant.objects.get(sku="OCU-M"), published=False)

    store = {"channels": [{"channel": "web", "ships": True, "pickup": True, "safety_stock": 0},
                          {"channel": "app", "ships": True, "pickup": True, "safety_stock": 0}]}
    centro = inventory.do_create_location(code="CENTRO", name="Tienda Centro", kind="store",
                                          capabilities=["ship", "pickup"], lat=-33.4429, lon=-70.6539,
                                          opening_hours=HOURS, **store)
    prov = inventory.do_create_location(code="PROV", name="Tienda Providencia", kind="store",
                                        capabilities=["ship", "pickup"], lat=-33.4263, lon=-70.6147,
                                        opening_hours=HOURS, **store)
    wh = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                      lat=-33.389, lon=-70.775)
    # Providencia (the nearest to the shopper) has no Chispa 32: it must never offer it for pickup.
    inventory.do_receive_stock(location=centro, lines=[("CHI-32", 2), ("CER-42", 1), ("OCU-M", 3)])
    inventory.do_receive_stock(location=prov, lines=[("CHI-34", 1)])
    inventory.do_receive_stock(location=wh, lines=[("CHI-32", 10), ("CHI-34", 10)])

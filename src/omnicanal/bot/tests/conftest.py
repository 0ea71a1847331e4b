import pytest

from omnicanal.bot import nlu
from omnicanal.bot.nlu import entities


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test's catalog and locations are its own: drop the process-wide name indexes."""
    entities.forget()
    yield
    entities.forget()


@pytest.fixture
def shipped_model():
    """A test that retrains gets the shipped-examples model back afterwards."""
    yield
    nlu.reset()


@pytest.fixture
def shop(db):
    """Two running shoes, a helmet and three locations, created through their owners' services."""
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.core.money import Money
    from omnicanal.inventory import services as inventory

    catalog.do_ensure_default_channels()
    shoes = catalog.do_ensure_category(ref="zapatillas")
    for handle, es, en, skus in (
        ("zapatilla-pampa", "Zapatilla de running Cóndor Pampa", "Cóndor Pampa running shoe", ("ZR-PAMPA-41", "ZR-PAMPA-42")),
        ("zapatilla-salar", "Zapatilla de trail Huemul Salar", "Huemul Salar trail shoe", ("ZT-SALAR-40",)),
        ("casco-urbano", "Casco Volcán Urbano", "Volcán Urbano helmet", ("CA-URB-NEG",)),
    ):
        catalog.do_create_product(name_es=es, name_en=en, category=shoes, price=Money.of("59990"), handle=handle,
                                  variants=[VariantSpec(sku=s) for s in skus])
    for code, name, city in (("SCL-CENTRO", "Andes Sport Santiago Centro", "Santiago"),
                             ("VAP-PLAZA", "Andes Sport Valparaíso", "Valparaíso"),
                             ("CCP-MALL", "Andes Sport Concepción", "Concepción")):
        inventory.do_create_location(code=code, name=name, kind="store", capabilities=["pickup"],
                                     address={"line1": "Av. Test 1", "city": city, "region": "RM", "country": "CL"})

import pytest

from omnicanal.catalog import services
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money


@pytest.fixture
def shoes_category(db):
    running = services.do_create_category(slug="running", name_es="Running", name_en="Running")
    return services.do_create_category(slug="zapatillas-running", name_es="Zapatillas de running",
                                       name_en="Running shoes", parent=running, purchase_cycle="replenishable",
                                       replenish_days=240)


@pytest.fixture
def make_product(shoes_category):
    def make(handle="trail-x", skus=("TRX-40", "TRX-41"), price="89990", name_en="Trail X shoe",
             description_es="Zapatilla de trail.", description_en="Trail shoe."):
        return services.do_create_product(
            name_es=f"Zapatilla {handle}", name_en=name_en, description_es=description_es,
            description_en=description_en, category=shoes_category, price=Money.of(price), handle=handle,
            variants=[VariantSpec(sku=s, attributes={"size": s[-2:]}) for s in skus],
        )

    return make


@pytest.fixture
def product(make_product):
    return make_product()


@pytest.fixture(autouse=True)
def _channels(request):
    """Transactional tests flush the migration's channel rows; put the registry back."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        from django.db import transaction

        with transaction.atomic():
            services.do_ensure_default_channels()

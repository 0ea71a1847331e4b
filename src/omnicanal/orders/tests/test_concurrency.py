"""PostgreSQL, several processes: one order per Idempotency-Key; a flash sale never oversells."""

import pytest
from django.db import transaction

from omnicanal.catalog import services as catalog
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.money import Money
from omnicanal.core.services import do_create_api_key
from omnicanal.core.testing import run_in_processes
from omnicanal.inventory import services as inventory
from omnicanal.inventory.models import StockLevel
from omnicanal.orders.models import Order


@transaction.atomic
def flash_stock(units: int) -> str:
    catalog.do_ensure_default_channels()
    catalog.do_create_product(name_es="Zapatilla Flash", category=catalog.do_ensure_category(ref="zapatillas"),
                              price=Money.of("39990"), variants=[VariantSpec(sku="FLASH-1")])
    wh = inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                      lat=-33.389, lon=-70.775)
    inventory.do_receive_stock(location=wh, lines=[("FLASH-1", units)])
    key = do_create_api_key(role="integration", name="shop")
    return f"Bearer {key.secret}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_duplicates_of_one_idempotency_key_make_one_order():
    auth = flash_stock(10)
    # 10 processes × 5 threads, released together
    batches = run_in_processes("omnicanal.orders.tests.workers:same_key_threads", [(auth, "checkout-42", 5)] * 10)
    results = [r for batch in batches for r in batch]
    assert len(results) == 50
    assert {r["status"] for r in results} == {201}
    assert len({r["id"] for r in results}) == 1
    assert sum(not r["replayed"] for r in results) == 1
    assert Order.objects.count() == 1
    assert StockLevel.objects.get().reserved == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_flash_sale_of_1000_orders_for_100_units_sells_exactly_100():
    auth = flash_stock(100)
    outcomes = run_in_processes("omnicanal.orders.tests.workers:flash_buyer", [(auth, w, 125) for w in range(8)])
    assert [o["other"] for o in outcomes] == [[]] * 8
    assert sum(o["ok"] for o in outcomes) == 100
    assert sum(o["short"] for o in outcomes) == 900
    assert Order.objects.count() == 100
    row = StockLevel.objects.get()
    assert row.reserved == 100 and row.on_hand == 100

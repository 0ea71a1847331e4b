import io
import random

import pytest
from django.db.models import Sum

from omnicanal.catalog import demo as catalog_demo
from omnicanal.catalog.consistency import consistency_report
from omnicanal.catalog.models import Product, Variant
from omnicanal.core.demo import LOCATIONS
from omnicanal.inventory import demo as inventory_demo
from omnicanal.inventory.models import Location, LocationHoliday, StockLevel, StockMovement

pytestmark = pytest.mark.django_db


def test_the_demo_loads_and_the_audit_finds_its_deliberate_drifts(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalog_demo.load(seed=2026, rng=random.Random("2026:catalog"), out=io.StringIO())
    inventory_demo.load(seed=2026, rng=random.Random("2026:inventory"), out=io.StringIO())
    # about 200 products of 3-4 variants, stock at the seven demo locations
    assert 190 <= Product.objects.count() <= 210
    assert 3 <= Variant.objects.count() / Product.objects.count() <= 4
    assert set(Location.objects.values_list("code", flat=True)) == {loc.code for loc in LOCATIONS}
    # the ledger explains every unit
    on_hand = StockLevel.objects.aggregate(n=Sum("on_hand"))["n"]
    assert on_hand == StockMovement.objects.aggregate(n=Sum("quantity"))["n"]
    assert _in_transit() > 0  # a transfer is on its way to Valparaíso
    # Chilean holidays at the three stores: Christmas closed, its eve with short hours, this year and next
    christmas = LocationHoliday.objects.filter(date__month=12, date__day=25, location__code="SCL-CENTRO")
    assert christmas.count() == 2 and all(h.closed and h.name == "Navidad" for h in christmas)
    assert LocationHoliday.objects.filter(date__month=9, date__day=18).values("location").distinct().count() == 3
    assert not LocationHoliday.objects.get(date__month=12, date__day=24, date__year=christmas[0].date.year,
                                           location__code="VAP-PLAZA").closed
    found = {d.field for d in consistency_report()}
    assert {"price", "title", "description", "published", "stock", "description_en"} <= found


def _in_transit():
    from omnicanal.inventory.queries import in_transit

    return in_transit()

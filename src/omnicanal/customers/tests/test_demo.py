import random
import sys

import pytest
from django.db import transaction

from omnicanal.customers import demo, queries
from omnicanal.customers.models import Customer, MergeSuggestion

pytestmark = pytest.mark.django_db


def test_the_demo_loads_500_customers_known_on_several_channels_and_fills_the_queue():
    with transaction.atomic():
        demo.load(seed=2026, rng=random.Random("2026:customers"), out=sys.stdout)
    people = Customer.objects.filter(merged_into__isnull=True, anonymous=False)
    assert people.count() >= demo.CUSTOMERS
    multi = sum(1 for c in people[:100] if c.identities.values("kind").distinct().count() >= 2)
    assert multi >= 80
    assert MergeSuggestion.objects.filter(status="open").count() >= 30
    assert queries.find_by_identity("phone", "9 8765 4321").name == "Ana Rojas Soto"

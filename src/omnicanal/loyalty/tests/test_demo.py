import io
import random

import pytest

from omnicanal.loyalty import queries
from omnicanal.loyalty.demo import load
from omnicanal.loyalty.models import Coupon, GiftCard, Tier
from omnicanal.loyalty.services.program import get_program

pytestmark = pytest.mark.django_db


def test_the_demo_loads_club_andes():
    out = io.StringIO()
    load(seed=2026, rng=random.Random("2026:loyalty"), out=out)
    assert get_program().name == "Club Andes"
    assert list(Tier.objects.values_list("name", flat=True)) == ["Base", "Plata", "Oro"]
    assert GiftCard.objects.count() == 3 and Coupon.objects.filter(code="BIENVENIDA10").exists()
    assert "Club Andes" in out.getvalue()
    assert queries.books_problems() == []

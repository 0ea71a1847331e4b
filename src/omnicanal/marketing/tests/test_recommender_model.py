"""The recommender's model (recommender.py), without a database: what customers buy after a product
is a signal with a direction, unlike co-purchase."""

import datetime as dt

import pytest

from omnicanal.marketing import recommender
from omnicanal.marketing.recommender import Item, Purchase

pytestmark = pytest.mark.database_free

DAY0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
ITEMS = [Item("bici", "bicicletas", "ciclismo", "andes"), Item("casco", "cascos", "ciclismo", "andes"),
         Item("guantes", "guantes", "ciclismo", "sur"), Item("polera", "poleras", "running", "sur")]


def bought(customer: str, handle: str, day: int) -> Purchase:
    return Purchase(customer_id=customer, order_id=f"{customer}-{day}", handle=handle, channel="web",
                    at=DAY0 + dt.timedelta(days=day))


def neighbours(model, handle: str) -> dict[str, str]:
    return {other: link for other, _score, link in model.neighbours.get(handle, ())}


def test_what_is_bought_after_a_product_follows_it_not_the_other_way_round():
    # six cyclists buy the bicycle, then a helmet a month later (four others only the helmet); two
    # runners buy a tee with gloves
    purchases = [p for n in range(6) for p in (bought(f"c{n}", "bici", 1), bought(f"c{n}", "casco", 30))]
    purchases += [bought(f"h{n}", "casco", 10) for n in range(4)]
    purchases += [bought(f"r{n}", "polera", 5) for n in range(2)] + [bought(f"r{n}", "guantes", 5) for n in range(2)]
    follows = recommender._sequences(purchases)
    assert follows["bici"]["casco"] == pytest.approx(6 / 6 * 6 / 7)  # every bicycle buyer, damped
    assert "bici" not in follows.get("casco", {})  # nobody bought a bicycle after the helmet
    assert "guantes" not in follows.get("polera", {})  # the same day's order is co-purchase, not a sequence

    model = recommender.train(items=ITEMS, purchases=purchases, views=[], now=DAY0 + dt.timedelta(days=60))
    assert neighbours(model, "bici")["casco"] == "next"  # the sequence gives the most to the pair
    assert neighbours(model, "casco")["bici"] == "bought"  # backwards, only co-purchase links them
    scored = recommender.score(model, recommender.seeds_for(bought=["bici"]), channel="web", limit=3,
                               allowed=lambda handle: handle != "bici")
    assert scored[0].handle == "casco" and scored[0].link == "next"

"""The recommender's per-store popularity, its fallback chain (the store, then the channel, then
everyone) and the "because you viewed" list, without a database (recommender.py)."""

import datetime as dt

import pytest

from omnicanal.marketing import recommender
from omnicanal.marketing.recommender import Item, Purchase, View

pytestmark = pytest.mark.database_free

DAY0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
NOW = DAY0 + dt.timedelta(days=30)
ITEMS = [Item("bici", "bicicletas", "ciclismo", "andes"), Item("casco", "cascos", "ciclismo", "andes"),
         Item("guantes", "guantes", "ciclismo", "sur"), Item("polera", "poleras", "running", "sur"),
         Item("zapatilla", "zapatillas", "running", "sur"), Item("gel", "geles", "nutricion", "norte")]


def sale(customer: str, handle: str, *, channel: str = "pos", store: str = "", day: int = 1) -> Purchase:
    return Purchase(customer_id=customer, order_id=f"{customer}-{handle}-{day}", handle=handle, channel=channel,
                    at=DAY0 + dt.timedelta(days=day), store=store)


def history() -> list[Purchase]:
    """Providencia's till sells gloves, Viña's sells tees; online, the web sells gels; every channel
    together sells helmets most."""
    found = [sale(f"p{n}", "guantes", store="PRV") for n in range(3)]
    found += [sale(f"v{n}", "polera", store="VIN") for n in range(2)]
    found += [sale(f"w{n}", "gel", channel="web") for n in range(4)]
    found += [sale(f"a{n}", "casco", channel="app") for n in range(6)]
    return found


def handles(scored) -> list[str]:
    return [s.handle for s in scored]


def test_popularity_is_learned_per_store_from_the_sales_and_pickups_there():
    model = recommender.train(items=ITEMS, purchases=history(), views=[], now=NOW)
    assert [h for h, _score in model.popular_stores["PRV"]] == ["guantes"]
    assert [h for h, _score in model.popular_stores["VIN"]] == ["polera"]
    assert set(model.popular_stores) == {"PRV", "VIN"}  # online orders belong to no store
    assert [h for h, _score in model.popular["pos"]] == ["guantes", "polera"]


def test_recent_sales_weigh_more_in_a_store_s_popularity():
    purchases = [sale(f"o{n}", "guantes", store="PRV", day=-200) for n in range(3)]
    purchases += [sale(f"r{n}", "polera", store="PRV", day=25) for n in range(2)]
    model = recommender.train(items=ITEMS, purchases=purchases, views=[], now=NOW)
    assert [h for h, _score in model.popular_stores["PRV"]] == ["polera", "guantes"]


def test_the_fallback_asks_the_store_then_the_channel_then_everyone():
    model = recommender.train(items=ITEMS, purchases=history(), views=[], now=NOW)
    chain = recommender.popular_chain(model, channel="web", store="PRV")
    assert [(link, [h for h, _s in ranked]) for link, ranked in chain] == [
        ("store", ["guantes"]), ("popular", ["gel"]), ("popular", ["casco", "gel", "guantes", "polera"])]
    found = recommender.score(model, [], channel="web", store="PRV", limit=4)
    assert handles(found) == ["guantes", "gel", "casco", "polera"]
    assert [s.link for s in found] == ["store", "popular", "popular", "popular"]


def test_without_a_store_or_at_a_store_that_sold_nothing_the_channel_comes_first():
    model = recommender.train(items=ITEMS, purchases=history(), views=[], now=NOW)
    assert recommender.popular_chain(model, channel="web")[0][0] == "popular"
    assert handles(recommender.score(model, [], channel="web", limit=2)) == ["gel", "casco"]
    new_store = recommender.score(model, [], channel="web", store="NEW", limit=2)
    assert handles(new_store) == ["gel", "casco"] and {s.link for s in new_store} == {"popular"}


def test_the_chain_skips_what_is_not_allowed_and_never_repeats_a_product():
    model = recommender.train(items=ITEMS, purchases=history(), views=[], now=NOW)
    found = recommender.score(model, [], channel="pos", store="PRV", limit=10, allowed=lambda h: h != "polera")
    assert handles(found) == ["guantes", "casco", "gel"]  # PRV's, the till's (gloves again: once), everyone's


def test_seeds_come_before_the_store_s_popular_products():
    purchases = history() + [p for n in range(3) for p in (sale(f"c{n}", "bici", channel="web", day=2),
                                                               sale(f"c{n}", "casco", channel="web", day=9))]
    model = recommender.train(items=ITEMS, purchases=purchases, views=[], now=NOW)
    found = recommender.score(model, recommender.seeds_for(bought=["bici"]), channel="pos", store="VIN", limit=3,
                              allowed=lambda h: h != "bici")
    assert found[0].handle == "casco" and found[0].seed == "bici"
    assert handles(found) == ["casco", "guantes", "polera"]  # the bicycle's neighbours, then Viña's best seller
    assert [s.link for s in found][1:] == ["similar", "store"]


def viewing(customer: str, *handles_: str) -> list[View]:
    return [View(customer_id=customer, handle=h, at=DAY0 + dt.timedelta(minutes=i)) for i, h in enumerate(handles_)]


def test_because_you_viewed_names_the_viewed_product_and_never_shows_it():
    # five shoppers looked at the tee and then the running shoe; the gloves are only bought a lot
    views = [v for n in range(5) for v in viewing(f"s{n}", "polera", "zapatilla")]
    model = recommender.train(items=ITEMS, purchases=history(), views=views, now=NOW)
    found = recommender.because_viewed(model, ["polera"], limit=5)
    assert found[0].handle == "zapatilla" and found[0].seed == "polera" and found[0].link == "viewed"
    assert {s.seed_kind for s in found} == {"viewed"}
    assert "polera" not in handles(found)
    assert "gel" not in handles(found) and "casco" not in handles(found)  # no popular top-up


def test_because_you_viewed_leans_on_likeness_without_co_views_and_is_empty_without_views():
    model = recommender.train(items=ITEMS, purchases=history(), views=[], now=NOW)
    found = recommender.because_viewed(model, ["bici"], limit=5)
    assert handles(found)[:1] == ["casco"]  # same family and brand
    assert {s.link for s in found} == {"similar"} and {s.seed for s in found} == {"bici"}
    assert set(handles(found)) <= {"casco", "guantes"}  # compared within the family only
    assert recommender.because_viewed(model, [], limit=5) == []


def test_because_you_viewed_credits_the_viewed_product_that_gave_most():
    model = recommender.train(items=ITEMS, purchases=[], views=[], now=NOW)
    found = {s.handle: s.seed for s in recommender.because_viewed(model, ["zapatilla", "bici"], limit=5)}
    assert found["polera"] == "zapatilla" and found["casco"] == "bici"
    assert "bici" not in found and "zapatilla" not in found  # neither viewed product comes back
    assert recommender.because_viewed(model, ["bici"], limit=5, allowed=lambda h: h != "casco")[0].handle == "guantes"


def test_the_new_tables_survive_the_json_and_an_older_model_reads_them_empty():
    views = [v for n in range(2) for v in viewing(f"s{n}", "polera", "zapatilla")]
    model = recommender.train(items=ITEMS, purchases=history(), views=views, now=NOW)
    again = recommender.Model.from_json(model.as_json())
    assert [h for h, _s in again.popular_stores["PRV"]] == ["guantes"]
    assert [n for n, _s, _k in again.also_viewed["polera"]][0] == "zapatilla"
    older = {key: value for key, value in model.as_json().items() if key not in ("popular_stores", "also_viewed")}
    read = recommender.Model.from_json(older)
    assert read.popular_stores == {} and read.also_viewed == {}
    assert recommender.because_viewed(read, ["polera"], limit=3) == []
    assert handles(recommender.score(read, [], channel="pos", store="PRV", limit=1)) == ["guantes"]  # pos's own

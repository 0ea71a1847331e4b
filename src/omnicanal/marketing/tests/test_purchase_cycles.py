"""Purchase cycles learned from the order history on every channel: the interval, the suppression
after a durable purchase, the API's answer."""

import datetime as dt

from omnicanal.core import clock
from omnicanal.marketing import cycles, queries
from omnicanal.marketing.tests.conftest import START, buy

DAY = dt.timedelta(days=1)


def test_one_purchase_takes_the_category_default_interval(ana):
    buy(ana, "GEL-1", at=START)
    gel = next(c for c in queries.purchase_cycles(ana) if c.category == "geles")
    assert (gel.cycle, gel.interval_days, gel.purchases) == ("replenishable", 30, 1)
    assert gel.next_due_at == START + 30 * DAY
    assert gel.suppressed_until is None


def test_a_regular_buyer_pulls_the_interval_toward_their_own_median(ana):
    # given a customer who buys gels every 20 days (three intervals), default 30
    for n in range(4):
        buy(ana, "GEL-1", at=START + 20 * n * DAY)
    gel = next(c for c in queries.purchase_cycles(ana) if c.category == "geles")
    # then the interval is shrunk toward the default: (3 × 20 + 2 × 30) / 5 = 24 days
    assert gel.interval_days == 24
    assert gel.next_due_at == START + 60 * DAY + 24 * DAY


def test_orders_within_hours_are_one_purchase():
    times = [START, START + dt.timedelta(hours=2), START + 10 * DAY]
    assert cycles.purchase_days(times) == [START, START + 10 * DAY]
    assert cycles.learned_interval(cycles.purchase_days(times), 30) == (10 + 2 * 30) / 3


def test_a_bicycle_bought_last_week_suppresses_bicycles_but_not_a_helmet(ana):
    # given a customer who bought a bicycle a week ago
    buy(ana, "BIKE-M", at=START)
    with clock.frozen(START + 7 * DAY):
        # then no bicycle may be promoted to them, a helmet and a pump may
        assert queries.promotable_skus(ana, ["BIKE2-M", "BIKE-M", "HELMET-1", "PUMP-1", "GEL-1"]) == [
            "HELMET-1", "PUMP-1", "GEL-1"]
        assert queries.suppressed_categories(ana) == {"bicicletas"}
    bike = next(c for c in queries.purchase_cycles(ana) if c.category == "bicicletas")
    assert bike.cycle == "durable"
    assert bike.suppressed_until == START + cycles.DURABLE_SUPPRESS_DAYS * DAY


def test_the_suppression_ends_after_the_goods_life(ana):
    buy(ana, "BIKE-M", at=START)
    with clock.frozen(START + (cycles.DURABLE_SUPPRESS_DAYS + 1) * DAY):
        assert "BIKE2-M" in queries.promotable_skus(ana, ["BIKE2-M"])


def test_purchase_cycles_api_answers_the_contract(api, issue_key, ana):
    buy(ana, "GEL-1", at=START)
    buy(ana, "BIKE-M", at=START + DAY)
    buy(ana, "HELMET-1", at=START + DAY)
    response = api.as_(issue_key("marketer")).get(f"/customers/{ana}/purchase-cycles")
    assert response.status_code == 200, response.content
    items = {item["category"]: item for item in response.json()["items"]}
    assert set(items) == {"geles", "bicicletas", "accesorios-ciclismo"}
    assert items["geles"]["cycle"] == "replenishable" and items["geles"]["interval_days"] == 30
    assert items["geles"]["next_due_at"].startswith("2026-04-01")
    assert items["bicicletas"]["cycle"] == "durable" and items["bicicletas"]["suppressed_until"].startswith("2027-03-03")
    assert items["accesorios-ciclismo"] == {**items["accesorios-ciclismo"], "cycle": "one_off", "interval_days": None,
                                            "next_due_at": None, "suppressed_until": None}
    assert set(items["geles"]) >= {"category", "cycle", "interval_days", "last_purchase_at", "next_due_at",
                                   "suppressed_until"}


def test_purchase_cycles_need_a_marketer_or_a_manager(api, issue_key, ana):
    assert api.as_(issue_key("agent")).get(f"/customers/{ana}/purchase-cycles").status_code == 403
    assert api.as_(issue_key("manager")).get(f"/customers/{ana}/purchase-cycles").status_code == 200
    assert api.as_(issue_key("marketer")).get("/customers/cus_nobody/purchase-cycles").status_code == 404

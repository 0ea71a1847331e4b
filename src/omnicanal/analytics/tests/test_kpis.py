"""KPIs on small hand-built scenarios whose answers are known (docs/analytics.md's definitions)."""

import datetime as dt
from decimal import Decimal

from omnicanal.analytics import kpis, queries
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters
from omnicanal.core.money import Money
from omnicanal.orders import queries as orders

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def day(**kw):
    return Filters(start=DAY, end=DAY + dt.timedelta(days=1), **kw)


def test_three_pickups_and_one_shipment_make_a_bopis_share_of_three_quarters(shop, ana):
    for hour in (10, 11, 12):
        shop.place(ana, at=DAY + hour * H, method="pickup", location="SCL")
    shop.place(ana, at=DAY + 13 * H, method="ship")

    report = queries.report(day())

    assert report.source == "day"  # whole days: the daily rollups answered
    assert report.kpis["orders"] == 4
    assert report.kpis["bopis_share"] == 0.75
    assert report.kpis["curbside_share"] == 0.0
    assert Decimal(report.kpis["revenue"]["amount"]) == sum(fact.total for fact in orders.order_facts())
    # CLP has no minor unit: the average is rounded as Money rounds.
    assert report.kpis["average_order_value"] == Money.of(Decimal(report.kpis["revenue"]["amount"]) / 4).as_dict()


def test_a_whatsapp_question_then_a_pos_purchase_is_one_cross_channel_order(shop, ana):
    shop.write(at=DAY + 9 * H, channel="whatsapp")
    shop.place(ana, at=DAY + 11 * H, method="carry_out", location="SCL", channel="pos", pay="cash", amount=5000)
    shop.place(ana, at=DAY + 12 * H, method="ship", channel="web", pay="card")  # a web cart? none: not cross
    report = queries.report(day())

    assert report.kpis["cross_channel_orders"] == 2  # whatsapp ≠ pos, whatsapp ≠ web
    assert report.kpis["cross_channel_order_share"] == 1.0


def test_an_order_without_a_touch_elsewhere_is_not_cross_channel(shop, ana):
    shop.place(ana, at=DAY + 11 * H, method="carry_out", location="SCL", channel="pos", pay="cash", amount=5000)

    assert queries.report(day()).kpis["cross_channel_orders"] == 0


def test_every_kpi_of_the_registry_is_answered_and_nothing_else(shop, ana):
    shop.place(ana, at=DAY + 10 * H)

    assert list(queries.report(day()).kpis) == [kpi.name for kpi in kpis.KPIS]

"""purchase_totals (marketing's segment population) sums in the database what purchase_history's lines
add up to per customer: cancelled orders and units left out, partly cancelled lines prorated, stores
only where the customer came in."""

import datetime as dt
from decimal import Decimal

import pytest

from omnicanal.core.ids import new_id
from omnicanal.orders import queries
from omnicanal.orders.models import Order, OrderLine

NOW = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)


def _order(customer_id, channel, *, method="ship", location="", status="completed", days_ago=1, lines=()):
    order = Order.objects.create(public_id=new_id("ord"), channel=channel, customer_id=customer_id, status=status,
                                 delivery_method=method, delivery_location=location, currency="CLP",
                                 subtotal=Decimal(0), total=Decimal(0), placed_at=NOW - dt.timedelta(days=days_ago))
    for category, quantity, cancelled, total in lines:
        OrderLine.objects.create(order=order, sku=f"{category.upper()}-1", title=category, category=category,
                                 quantity=quantity, cancelled=cancelled, unit_price=Decimal(total) / quantity,
                                 total=Decimal(total))
    return order


def _from_history():
    out: dict = {}
    for line in queries.purchase_history():
        held = out.setdefault(line.customer_id, [set(), Decimal(0), None, set(), set(), set()])
        held[0].add(line.order_id)
        held[1] += line.amount
        held[2] = max(held[2] or line.placed_at, line.placed_at)
        held[3].add(line.category)
        held[4].add(line.channel)
        held[5].update({line.store} - {""})
    return {cid: queries.PurchaseTotals(orders=len(o), spend=s, last_purchase_at=last, categories=frozenset(c),
                                        channels=frozenset(ch), stores=frozenset(st))
            for cid, (o, s, last, c, ch, st) in out.items()}


@pytest.mark.django_db
def test_purchase_totals_are_what_the_history_lines_add_up_to():
    _order("cus_a", "pos", method="carry_out", location="SCL", days_ago=30,
           lines=[("geles", 2, 0, 4000), ("cascos", 3, 1, 3000)])
    _order("cus_a", "web", days_ago=20, lines=[("luces", 1, 1, 9000)])  # every unit cancelled: not bought
    _order("cus_a", "web", status="cancelled", days_ago=10, lines=[("bicicletas", 1, 0, 500000)])
    _order("cus_a", "app", method="pickup", location="VAL", days_ago=5, lines=[("luces", 3, 2, 1000)])
    _order("cus_b", "web", days_ago=3, lines=[("geles", 1, 1, 2000)])  # nothing bought
    _order("cus_c", "marketplace", days_ago=2, lines=[("poleras", 1, 0, 15000)])
    _order("", "pos", method="carry_out", location="SCL", lines=[("geles", 1, 0, 2000)])  # no customer

    totals = queries.purchase_totals()

    assert totals == _from_history()
    a = totals["cus_a"]
    assert (a.orders, a.categories, a.channels, a.stores) == (2, {"geles", "cascos", "luces"}, {"pos", "app"},
                                                               {"SCL", "VAL"})
    assert a.spend == Decimal(4000) + Decimal(2000) + Decimal(1000) / 3
    assert a.last_purchase_at == NOW - dt.timedelta(days=5)
    assert set(totals) == {"cus_a", "cus_c"} and totals["cus_c"].stores == frozenset()

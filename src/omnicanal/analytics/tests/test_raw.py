"""The raw KPI functions on hand-built facts (no database): percentiles, loyalty redemption, the
channels of a return, ship-from-store."""

import datetime as dt
from decimal import Decimal

from omnicanal.analytics import raw, services
from omnicanal.orders.queries import FulfillmentFact, OrderFact, PaymentFact, ReturnFact

AT = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


def money(amount):
    return {"amount": str(amount), "currency": "CLP"}


def order(order_id, *, channel="web", payments=(), fulfillments=()):
    return OrderFact(order_id=order_id, customer_id="cus_1", channel=channel, status="paid", delivery_method="ship",
                     location="WH", placed_at=AT, paid_at=AT, cancelled_at=None, cancel_cause="", total=Decimal(10000),
                     currency="CLP", units=1, fulfillments=tuple(fulfillments), payments=tuple(payments))


def ship(location):
    return FulfillmentFact(fulfillment_id="ful_1", method="ship", location=location, handover_location="",
                           status="shipped", ready_at=None, picked_up_at=None, delivered_at=None)


def test_percentiles_interpolate_between_closest_ranks():
    assert raw.percentile([], 0.5) is None
    assert raw.percentile([7.0], 0.9) == 7.0
    assert raw.percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert raw.percentile([10.0, 20.0, 30.0, 40.0], 0.9) == 37.0


def test_loyalty_redemption_counts_captured_points_store_credit_and_gift_cards_per_channel():
    facts = [
        order("ord_1", payments=[PaymentFact("points", "captured", Decimal(2000)), PaymentFact("card", "captured",
                                                                                             Decimal(8000))]),
        order("ord_2", payments=[PaymentFact("gift_card", "pending", Decimal(10000))]),  # not captured
        order("ord_3", channel="pos", payments=[PaymentFact("stored_value", "captured", Decimal(500))]),
        order("ord_4", channel="pos", payments=[PaymentFact("cash", "captured", Decimal(10000))]),
    ]

    assert raw.loyalty_redemption(facts, money) == {
        "pos": {"orders": 1, "amount": money(500), "share": 0.5},
        "web": {"orders": 1, "amount": money(2000), "share": 0.5},
    }


def test_a_return_s_channel_is_the_store_desk_or_the_mail_and_pos_sales_are_the_store_s():
    ret = ReturnFact(return_id="ret_1", order_id="ord_1", customer_id="cus_1", order_channel="pos",
                     order_location="SCL", location="SCL", by_mail=True, status="received", created_at=AT,
                     received_at=AT, refunded=Decimal(0), lines=())
    assert raw.return_channel(ret) == "mail" and raw.sale_channel("pos") == "store"
    assert raw.sale_channel("web") == "web"


def test_ship_from_store_is_a_shipment_leaving_a_store():
    kinds = {"SCL": "store", "WH": "warehouse"}
    assert services.ships_from_store(order("ord_1", fulfillments=[ship("SCL")]), kinds)
    assert not services.ships_from_store(order("ord_2", fulfillments=[ship("WH")]), kinds)

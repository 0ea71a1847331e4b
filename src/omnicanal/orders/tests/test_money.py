"""Money adds up: total = lines + shipping − discounts, IVA lines, partial payments, refunds never
more than what was paid; cancellation gives everything back."""

from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.loyalty.services import coupons, stored_value
from omnicanal.orders.models import Refund
from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import act, amount, pay_by_webhook, place

pytestmark = pytest.mark.django_db


def _adds_up(order):
    t = order["totals"]
    lines = sum(amount(line["total"]) for line in order["lines"])
    gross = sum(amount(line["unit_price"]) * line["quantity"] for line in order["lines"])
    assert amount(t["subtotal"]) == gross
    assert lines == gross - amount(t["discount"])
    assert amount(t["total"]) == amount(t["subtotal"]) + amount(t["shipping"]) - amount(t["discount"])
    (iva,) = t["tax_lines"]
    assert amount(iva["base"]) + amount(iva["amount"]) == amount(t["total"])
    assert abs(amount(iva["amount"]) - round(amount(t["total"]) * 19 / 119)) <= 1


def test_shipping_fee_below_the_free_threshold_and_iva_included(api, customer_id):
    order = place(api, lines=[("SOCK-1", 3)], customer_id=customer_id).json()
    assert amount(order["totals"]["shipping"]) == 3990
    assert amount(order["totals"]["total"]) == 15000 + 3990
    assert amount(order["totals"]["tax_lines"][0]["amount"]) == 3032  # 18990 − 18990/1.19 = 3032.02
    _adds_up(order)


def test_a_percent_coupon_is_spread_over_the_lines_and_counted_once(api, customer_id):
    with transaction.atomic():
        coupons.do_create_coupon(code="VERANO10", terms=coupons.Terms(kind="percent", value=Decimal(10)), max_uses=1)
    order = place(api, lines=[("SHOE-41", 1), ("SOCK-1", 3)], customer_id=customer_id, coupon="VERANO10").json()
    assert amount(order["totals"]["discount"]) == 6500
    _adds_up(order)
    again = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id, coupon="VERANO10")
    assert again.status_code == 409 and again.json()["type"] == "/problems/coupon-exhausted"
    # cancelling gives the coupon back
    assert api.post(f"/orders/{order['id']}/cancel", {}).status_code == 200
    assert place(api, lines=[("SOCK-1", 1)], customer_id=customer_id, coupon="VERANO10").status_code == 201


def test_partial_payments_across_methods_must_add_up(api, issue_key, customer_id):
    with transaction.atomic():
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    bad = place(clerk, lines=[("SHOE-40", 1)], method="carry_out", location="SCL", channel="pos",
                payments=[{"method": "cash", "amount": {"amount": "1000"}}])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "payments"
    r = place(clerk, lines=[("SHOE-40", 1)], method="carry_out", location="SCL", channel="pos", customer_id=customer_id,
              payments=[{"method": "gift_card", "amount": {"amount": "20000"}, "gift_card_code": card.code,
                         "pin": card.pin},
                        {"method": "card", "amount": {"amount": "30000"}}])
    assert r.status_code == 201, r.json()
    order = api.get(f"/orders/{r.json()['id']}").json()
    assert order["status"] == "completed"
    assert {p["method"]: p["status"] for p in order["payments"]} == {"gift_card": "captured", "card_present": "captured"}
    assert amount(order["totals"]["paid"]) == 50000
    with transaction.atomic():
        assert stored_value.gift_card_balance(stored_value.find_gift_card(card.code, card.pin)).amount == 0


def test_refunds_never_exceed_what_was_paid(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 2)], customer_id=customer_id).json()
    # nothing paid yet: nothing to refund
    api.post(f"/orders/{order['id']}/refund", {"amount": {"amount": "5000"}})
    assert Refund.objects.count() == 0
    pay_by_webhook(client, order["payments"][0]["id"])
    paid = amount(order["totals"]["total"])
    api.post(f"/orders/{order['id']}/refund", {"amount": {"amount": "5000"}})
    api.post(f"/orders/{order['id']}/refund", {"amount": {"amount": "999999"}})
    final = api.get(f"/orders/{order['id']}").json()
    assert amount(final["totals"]["refunded"]) == paid
    assert sum(amount(r["amount"]) for r in final["refunds"]) == paid


def test_cancel_before_shipping_releases_stock_and_refunds_the_card(api, client, customer_id):
    order = place(api, lines=[("SHOE-41", 2)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    act(api, f["id"], "pick")
    r = api.post(f"/orders/{order['id']}/cancel", {"reason": "changed mind"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert stock("WH", "SHOE-41")["reserved"] == 0
    assert amount(r.json()["totals"]["refunded"]) == 100000
    assert r.json()["fulfillments"][0]["status"] == "cancelled"
    assert act(api, f["id"], "pack").status_code == 409


def test_cancel_after_shipping_is_refused(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    assert act(api, f["id"], "ship", {"carrier": "X", "tracking": "1"}).status_code == 200
    r = api.post(f"/orders/{order['id']}/cancel", {})
    assert r.status_code == 409 and r.json()["type"] == "/problems/invalid-transition"


def test_insufficient_stock_is_a_clear_409_and_reserves_nothing(api, customer_id):
    r = place(api, lines=[("SHOE-42", 5)], customer_id=customer_id)
    assert r.status_code == 409 and r.json()["type"] == "/problems/insufficient-stock"
    assert r.json()["lines"][0]["sku"] == "SHOE-42"
    assert stock("VAP", "SHOE-42")["reserved"] == 0


def test_bad_input_answers_422_field_errors(api, customer_id):
    r = api.post("/orders", {"channel": "web", "lines": [{"sku": "SOCK-1", "quantity": 0}],
                             "delivery": {"method": "ship"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("lines")
    r = place(api, lines=[("SOCK-1", 1)], method="pickup", customer_id=customer_id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delivery.location"
    r = place(api, lines=[("NOPE", 1)], customer_id=customer_id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.sku"
    r = api.post("/orders", {"channel": "web", "lines": [{"sku": "SOCK-1", "quantity": 1}],
                             "delivery": {"method": "teleport"}})
    assert r.status_code == 422


def test_points_pay_part_of_an_order_through_loyalty(api, client, customer_id):
    from omnicanal.loyalty.services import program

    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=5000, reason="test", actor=SYSTEM)
    token = api.post(f"/customers/{customer_id}/loyalty/qr").json()["token"]  # the customer's presence
    order = place(api, lines=[("SOCK-1", 2)], customer_id=customer_id, presence={"qr": token},
                  payments=[{"method": "points", "amount": {"amount": "3000"}},
                            {"method": "card", "amount": {"amount": "10990"}}]).json()
    assert order["status"] == "pending_payment"
    card = next(p for p in order["payments"] if p["method"] == "card")
    pay_by_webhook(client, card["id"])
    final = api.get(f"/orders/{order['id']}").json()
    assert final["status"] == "paid" and all(p["status"] == "captured" for p in final["payments"])

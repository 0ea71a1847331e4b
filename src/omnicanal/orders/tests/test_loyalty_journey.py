"""One loyalty ledger across channels: paid at the store with points and a gift card, returned on
the web, and every point and peso flows back where it came from."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import program, stored_value
from omnicanal.orders.tests.helpers import amount, place

pytestmark = pytest.mark.django_db


def points_of(customer_id):
    with transaction.atomic():
        return loyalty.summary(customer_id).points


def test_paid_at_the_pos_with_points_and_a_gift_card_then_returned_on_the_web(api, issue_key, customer_id,
                                                                             django_capture_on_commit_callbacks):
    # given a customer with 15,000 points (a point pays 1 peso) and a 20,000 gift card
    with transaction.atomic():
        program.do_configure_program(name="Club Andes", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)
        program.do_adjust(customer_id=customer_id, kind="points", amount=15000, reason="welcome", actor=SYSTEM)
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
    # when a clerk in Santiago sells a 50,000 shoe paid with 10,000 in points (the customer shows
    # their loyalty QR), the gift card (its PIN) and a card (points are earned after the commit, by
    # loyalty's handler of OrderPaid: the callbacks run here as they do in the server)
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    token = api.post(f"/customers/{customer_id}/loyalty/qr").json()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        sold = place(clerk, lines=[("SHOE-40", 1)], method="carry_out", location="SCL", channel="pos",
                     customer_id=customer_id, presence={"qr": token},
                     payments=[{"method": "points", "amount": {"amount": "10000"}},
                               {"method": "gift_card", "amount": {"amount": "20000"}, "gift_card_code": card.code,
                                "pin": card.pin},
                               {"method": "card", "amount": {"amount": "20000"}}])
    assert sold.status_code == 201, sold.json()
    order = api.get(f"/orders/{sold.json()['id']}").json()
    assert order["status"] == "completed" and amount(order["totals"]["paid"]) == 50000
    earned = points_of(customer_id) - (15000 - 10000)
    assert earned == 500  # 1 point per 100 pesos on 50,000, the same rule as on every channel
    # and the customer returns it on the web, mailing it to the warehouse, refunded to what paid it
    web = api.as_(issue_key("integration"))
    requested = web.post("/returns", {"order_id": order["id"], "location": "WH", "by_mail": True,
                                      "refund_to": "original",
                                      "lines": [{"sku": "SHOE-40", "quantity": 1, "reason": "changed my mind"}]})
    assert requested.status_code == 201, requested.json()
    with django_capture_on_commit_callbacks(execute=True):  # loyalty's handler of ReturnReceived
        received = api.post(f"/returns/{requested.json()['id']}/receive",
                            {"lines": [{"sku": "SHOE-40", "quantity": 1, "condition": "resellable"}]})
    assert received.status_code == 200, received.json()
    # then the points spent come back, the points earned go away, the gift card is whole again,
    # the card gets its 20,000, and the books still balance
    assert points_of(customer_id) == 15000
    with transaction.atomic():
        assert stored_value.gift_card_balance(stored_value.find_gift_card(card.code, card.pin)) == Money.of(20000)
        assert loyalty.books_problems() == []
    final = api.get(f"/orders/{order['id']}").json()
    method_of = {p["id"]: p["method"] for p in final["payments"]}
    by_method = {}
    for refund in final["refunds"]:
        assert refund["to"] == "original"
        method = method_of[refund["payment_id"]]
        by_method[method] = by_method.get(method, 0) + amount(refund["amount"])
    assert by_method == {"points": 10000, "gift_card": 20000, "card_present": 20000}

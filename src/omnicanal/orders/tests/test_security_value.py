"""Issue 13, item 3, where value meets the order book: gift cards and wallet top-ups only against a
captured payment (once, never more than it captured), and a customer's points, store credit or
wallet spent by a staff key or the console POS only with the customer's loyalty QR (a gift card
with its PIN). Each failed on main: clerks issued cards and topped up wallets from any reference,
and orders were paid from a customer's value without them."""

from datetime import timedelta

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import program, stored_value
from omnicanal.orders.models import Order
from omnicanal.orders.tests.helpers import place

pytestmark = pytest.mark.django_db


def _cash_sale(api, issue_key, sku="SOCK-1"):
    """A POS sale paid in cash (captured at once): the payment a gift card can be bought with."""
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    sold = place(clerk, lines=[(sku, 1)], method="carry_out", location="SCL", channel="pos",
                 payments=[{"method": "cash"}])
    assert sold.status_code == 201, sold.json()
    order = api.get(f"/orders/{sold.json()['id']}").json()
    return clerk, order, order["payments"][0]["id"]


def test_a_clerk_issues_a_gift_card_against_a_captured_payment_once(api, issue_key, world):
    # given a 5.000 cash sale at the till
    clerk, order, payment_id = _cash_sale(api, issue_key)
    # when the clerk issues a card for more than was paid, then for what was paid, then again
    too_much = clerk.post("/gift-cards", {"amount": {"amount": "5001"}, "reference": payment_id})
    issued = clerk.post("/gift-cards", {"amount": {"amount": "5000"}, "reference": payment_id})
    again = clerk.post("/gift-cards", {"amount": {"amount": "1000"}, "reference": order["id"]})
    # then only the covered card is issued, once, and audited with the payment
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "reference"
    assert issued.status_code == 201, issued.json()
    assert again.status_code == 409
    from omnicanal.core.models import AuditEntry

    entry = AuditEntry.objects.get(action="loyalty.gift_card.issue")
    assert entry.after["funded_by"] == payment_id and entry.actor_role == "store_staff"


def test_an_unpaid_card_payment_funds_nothing(api, issue_key, customer_id):
    # a web order waiting for the card provider: nothing captured yet
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    refused = clerk.post("/gift-cards", {"amount": {"amount": "1000"}, "reference": order["payments"][0]["id"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reference"


def test_a_wallet_is_topped_up_only_from_a_captured_payment(api, issue_key, customer_id):
    # given a captured cash payment of 5.000
    clerk, order, payment_id = _cash_sale(api, issue_key)
    # when the clerk tops up the wallet from it, and then tries again from the same payment
    topped = clerk.post(f"/customers/{customer_id}/wallet/top-ups", {"amount": {"amount": "5000"}, "reference": payment_id})
    reused = api.as_(issue_key("integration")).post("/gift-cards", {"amount": {"amount": "5000"}, "reference": payment_id})
    # then the wallet holds 5.000 and the payment funds nothing else
    assert topped.status_code == 201, topped.json()
    assert reused.status_code == 409
    with transaction.atomic():
        assert loyalty.summary(customer_id).wallet == Money.of(5000)


@pytest.mark.parametrize("method", ["points", "store_credit", "wallet", "stored_value"])
def test_a_staff_key_pays_with_a_customer_s_value_only_with_their_qr(api, issue_key, customer_id, method):
    # given a customer with 10.000 in points, store credit and wallet
    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
        program.do_adjust(customer_id=customer_id, kind="store_credit", amount=10000, reason="welcome", actor=SYSTEM)
        program.do_adjust(customer_id=customer_id, kind="wallet", amount=10000, reason="welcome", actor=SYSTEM)
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    sale = {"lines": [("SOCK-1", 1)], "method": "carry_out", "location": "SCL", "channel": "pos",
            "customer_id": customer_id, "payments": [{"method": method}]}
    # when the clerk charges it without the customer, or with another customer's QR
    from omnicanal.orders.tests.conftest import make_customer

    other = make_customer(phone="+56987654329", email="otro@example.cl")
    stranger = api.post(f"/customers/{other}/loyalty/qr").json()["token"]
    refused = place(clerk, **sale)
    wrong = place(clerk, **sale, presence={"qr": stranger})
    # then 403, nothing sold
    assert refused.status_code == 403 and "QR" in refused.json()["detail"]
    assert wrong.status_code == 403 and not Order.objects.exists()
    # and with the customer's own QR, scanned at the till, the sale goes through
    token = api.post(f"/customers/{customer_id}/loyalty/qr").json()["token"]
    sold = place(clerk, **sale, presence={"qr": token})
    assert sold.status_code == 201, sold.json()
    # a screenshot of yesterday's QR does not work
    with clock.frozen(clock.now() + timedelta(days=1)):
        stale = place(clerk, **sale, presence={"qr": token})
    assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "presence.qr"


def test_a_gift_card_pays_with_its_pin_and_not_without(api, issue_key, world):
    with transaction.atomic():
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    sale = {"lines": [("SOCK-1", 1)], "method": "carry_out", "location": "SCL", "channel": "pos"}
    no_pin = place(clerk, **sale, payments=[{"method": "gift_card", "gift_card_code": card.code}])
    assert no_pin.status_code == 404 and not Order.objects.exists()
    paid = place(clerk, **sale, payments=[{"method": "gift_card", "gift_card_code": card.code, "pin": card.pin}])
    assert paid.status_code == 201, paid.json()


def test_an_order_in_euros_is_refused(api, issue_key, customer_id):
    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
    token = api.post(f"/customers/{customer_id}/loyalty/qr").json()["token"]
    euros = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id, presence={"qr": token},
                  payments=[{"method": "points", "amount": {"amount": "5000", "currency": "EUR"}}])
    assert euros.status_code == 422 and euros.json()["errors"][0]["field"].startswith("payments.0.amount")


def _clerk(client):
    with transaction.atomic():
        user = do_create_staff_user(username="clerk-value", password="secret-pass", role="store_staff", locations=["SCL"])
    client.force_login(user)


def test_the_console_pos_takes_points_only_after_the_qr_is_scanned(client, api, customer_id,
                                                                  django_capture_on_commit_callbacks):
    # given a customer with points, identified at the till by phone
    with transaction.atomic():
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
    _clerk(client)
    client.post("/console/orders/pos/", {"location": "SCL", "op": "identify", "who": "+56987654321"})
    client.post("/console/orders/pos/", {"location": "SCL", "op": "add", "code": "SOCK-1"})
    page = client.get("/console/orders/pos/?location=SCL").content.decode()
    assert 'value="points"' not in page  # no option to pay with their points
    # when the clerk posts a points payment anyway
    forged = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "points"},
                         follow=True).content.decode()
    # then it is refused, nothing sold
    assert not Order.objects.exists() and "QR" in forged
    # and once the customer's loyalty QR is scanned, points pay
    token = api.post(f"/customers/{customer_id}/loyalty/qr").json()["token"]
    client.post("/console/orders/pos/", {"location": "SCL", "op": "identify", "who": token})
    page = client.get("/console/orders/pos/?location=SCL").content.decode()
    assert 'value="points"' in page and 'data-testid="pos-present"' in page
    with django_capture_on_commit_callbacks(execute=True):  # loyalty earns on OrderPaid after the commit
        sold = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "points"})
    assert sold.status_code == 200, sold.content
    order = Order.objects.get()
    assert order.customer_id == customer_id and order.payments.get().method == "points"
    with transaction.atomic():
        assert loyalty.summary(customer_id).points == 10000 - 5000 + 50  # paid 5.000, earned 1 per 100


def test_the_console_pos_takes_a_gift_card_with_its_pin(client, world):
    with transaction.atomic():
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
    _clerk(client)
    client.post("/console/orders/pos/", {"location": "SCL", "op": "add", "code": "SOCK-1"})
    wrong = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "gift_card",
                                                 "gift_card_code": card.code, "pin": "000000" if card.pin != "000000" else "111111"})
    assert wrong.status_code == 302 and not Order.objects.exists()
    sold = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "gift_card",
                                                "gift_card_code": card.code, "pin": card.pin})
    assert sold.status_code == 200 and Order.objects.get().payments.get().method == "gift_card"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_payment_named_by_8_processes_at_once_funds_one_top_up(api, issue_key):
    from omnicanal.core.testing import run_in_processes
    from omnicanal.orders.tests.conftest import make_customer, make_world

    # given a 5.000 cash sale and 8 customers
    make_world()
    _, _, payment_id = _cash_sale(api, issue_key)
    people = [make_customer(phone=f"+5698765430{i}", email=f"p{i}@example.cl", name=f"P {i}") for i in range(8)]
    auth = issue_key("store_staff", ["SCL"])["HTTP_AUTHORIZATION"]
    # when 8 processes top up 8 wallets from that one payment at once
    results = run_in_processes("omnicanal.orders.tests.workers:top_up_from", [(auth, c, payment_id) for c in people])
    # then exactly one wallet is loaded; the others are told 409 (never a server error)
    assert sorted(r["status"] for r in results) == [201] + [409] * 7
    with transaction.atomic():
        assert sum(loyalty.summary(c).wallet.amount for c in people) == 5000
        assert loyalty.books_problems() == []

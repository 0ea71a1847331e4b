"""Paying at checkout with points, a gift card and store credit, the card (Webpay) for the rest: on the
shop's checkout page and through the Store API's POST /checkout. Balances come from loyalty; errors
are field errors in the shopper's language, never a 500 and never half-written; a failed or
rejected card payment gives the points and the credit back and releases the stock."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import program, stored_value
from omnicanal.orders import webpay
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import amount, pay_by_webhook
from omnicanal.storefront.tests.test_account_pages import _sign_in

PICKUP = {"method": "pickup", "location_pickup": "SCL"}  # the cart: SHOE-40 50.000 + SOCK-1 5.000


@pytest.fixture
def shopper(client, ana, inboxes):
    """Ana signed in on the web with SHOE-40 and SOCK-1 (55.000 to pay, picked up at SCL)."""
    _sign_in(client)
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "1"})
    client.post("/cart/lines/", {"sku": "SOCK-1", "quantity": "1"})
    return client


def _give(customer_id, points=0, credit=0):
    with transaction.atomic():
        if points:
            program.do_adjust(customer_id=customer_id, kind="points", amount=points, reason="welcome", actor=SYSTEM)
        if credit:
            program.do_adjust(customer_id=customer_id, kind="store_credit", amount=credit, reason="goodwill",
                              actor=SYSTEM)


def _gift_card(value=20000):
    with transaction.atomic():
        return stored_value.do_issue_gift_card(amount=Money.of(value))


def _spendable(customer_id):
    with transaction.atomic():
        return loyalty.spendable(customer_id)


def _card_balance(card):
    with transaction.atomic():
        return stored_value.gift_card_balance(stored_value.find_gift_card(card.code, card.pin)).amount


def _payments(order):
    return sorted((p.method, int(p.amount), p.status) for p in order.payments.all())


def _error(response, name):
    found = re.search(rf'data-testid="error-{name}">([^<]*)<', response.content.decode())
    return found.group(1) if found else None


# --- the page --------------------------------------------------------------------------------------


def test_the_page_shows_the_points_their_value_and_the_store_credit(shopper, ana):
    _give(ana, points=1200, credit=15000)

    page = shopper.get("/checkout/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Mis puntos: 1200 puntos, equivalen a $1.200" in page
    assert "Mi crédito en tienda: $15.000" in page
    assert 'data-testid="use-points"' in page and 'data-testid="use-credit"' in page
    assert 'id="gift_card_code"' in page


def test_without_points_or_credit_only_the_gift_card_is_offered(shopper):
    page = shopper.get("/checkout/").content.decode()

    assert 'data-testid="use-points"' not in page and 'data-testid="use-credit"' not in page
    assert 'id="gift_card_code"' in page


def test_points_pay_as_much_as_they_cover_and_the_card_the_rest(shopper, ana):
    _give(ana, points=10000)

    placed = shopper.post("/checkout/", {**PICKUP, "use_points": "1"})

    assert placed.status_code == 302
    order = Order.objects.get()
    assert _payments(order) == [("card", 45000, "pending"), ("points", 10000, "pending")]
    assert _spendable(ana).points == 0  # held for the order
    pay_by_webhook(shopper, order.payments.get(method="card").public_id)
    order.refresh_from_db()
    assert order.status == "paid"
    assert _payments(order) == [("card", 45000, "captured"), ("points", 10000, "captured")]


def test_a_typed_points_amount_is_taken_as_typed(shopper, ana):
    _give(ana, points=10000)

    assert shopper.post("/checkout/", {**PICKUP, "use_points": "1", "points_amount": "4.000"}).status_code == 302

    assert _payments(Order.objects.get()) == [("card", 51000, "pending"), ("points", 4000, "pending")]
    assert _spendable(ana).points == 6000


def test_store_credit_and_points_covering_the_order_pay_it_without_a_card(shopper, ana):
    from omnicanal.orders import queries as orders_queries

    _give(ana, points=30000, credit=40000)

    placed = shopper.post("/checkout/", {**PICKUP, "use_points": "1", "use_credit": "1"})

    order = Order.objects.get()
    assert placed.status_code == 302 and placed["Location"] in orders_queries.tracking_url(order.public_id)
    assert order.status == "paid"
    # store credit first, then points for the rest; no card at all
    assert _payments(order) == [("points", 15000, "captured"), ("store_credit", 40000, "captured")]
    left = _spendable(ana)
    assert (left.points, left.store_credit.amount) == (15000, Decimal(0))


def test_a_gift_card_pays_with_its_pin_and_the_card_the_rest(shopper):
    card = _gift_card(20000)

    placed = shopper.post("/checkout/", {**PICKUP, "gift_card_code": card.code, "gift_card_pin": card.pin})

    assert placed.status_code == 302
    assert _payments(Order.objects.get()) == [("card", 35000, "pending"), ("gift_card", 20000, "pending")]
    assert _card_balance(card) == 0  # held


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"gift_card_code": "NOPE-NOPE", "gift_card_pin": "1234"}, "gift_card_code",
     "That code and PIN match no gift card."),
    ({"gift_card_code": "{code}"}, "gift_card_pin", "Enter the gift card's PIN."),
    ({"gift_card_code": "{code}", "gift_card_pin": "{pin}", "gift_card_amount": "25000"}, "gift_card_amount",
     "The gift card has $20.000."),
    ({"use_points": "1", "points_amount": "20000"}, "points_amount", "Your points cover up to $10.000."),
    ({"use_points": "1", "points_amount": "diez"}, "points_amount", "Enter an amount in CLP, more than zero."),
    ({"use_credit": "1"}, "payments", "You have no store credit to use."),
])
def test_a_wrong_payment_is_an_error_next_to_its_field_and_writes_nothing(shopper, ana, form, field, message):
    _give(ana, points=10000)
    card = _gift_card(20000)
    form = {k: v.format(code=card.code, pin=card.pin) for k, v in form.items()}

    response = shopper.post("/checkout/", {**PICKUP, **form}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert _error(response, field) == message.replace("'", "&#x27;")
    assert f'aria-describedby="{field}-error"' in response.content.decode()  # tied to its field
    assert not Order.objects.exists()
    assert _spendable(ana).points == 10000 and _card_balance(card) == 20000
    assert stock("SCL", "SHOE-40")["reserved"] == 0


def test_more_than_the_total_is_placements_error_next_to_the_field(shopper, ana):
    _give(ana, points=100000)

    response = shopper.post("/checkout/", {**PICKUP, "use_points": "1", "points_amount": "60000"},
                            HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 422
    assert _error(response, "points_amount") == "es más de lo que queda por pagar ($55.000)"
    assert not Order.objects.exists() and _spendable(ana).points == 100000


def test_the_errors_speak_spanish(shopper):
    response = shopper.post("/checkout/", {**PICKUP, "gift_card_code": "NOPE-NOPE", "gift_card_pin": "1"},
                            HTTP_ACCEPT_LANGUAGE="es")

    assert _error(response, "gift_card_code") == "Ese código y PIN no corresponden a ninguna tarjeta de regalo."


def test_a_failed_card_payment_gives_back_the_points_the_credit_and_the_stock(shopper, ana):
    _give(ana, points=10000, credit=5000)
    shopper.post("/checkout/", {**PICKUP, "use_points": "1", "use_credit": "1"})
    order = Order.objects.get()
    assert _payments(order) == [("card", 40000, "pending"), ("points", 10000, "pending"),
                                ("store_credit", 5000, "pending")]
    assert stock("SCL", "SHOE-40")["reserved"] == 1
    assert (_spendable(ana).points, _spendable(ana).store_credit.amount) == (0, Decimal(0))

    pay_by_webhook(shopper, order.payments.get(method="card").public_id, status="failed")

    order.refresh_from_db()
    assert order.status == "cancelled"
    left = _spendable(ana)
    assert (left.points, left.store_credit.amount) == (10000, Decimal(5000))
    assert stock("SCL", "SHOE-40")["reserved"] == 0 and stock("SCL", "SOCK-1")["reserved"] == 0
    with transaction.atomic():
        assert loyalty.books_problems() == []


# --- the Store API ---------------------------------------------------------------------------------


@pytest.fixture
def app(device, ana, inboxes):
    """Ana's app session, signed in, SHOE-40 and SOCK-1 in the cart."""
    phone = device()
    phone.sign_in(email="ana@example.cl")
    phone.add("SHOE-40", 1)
    phone.add("SOCK-1", 1)
    return phone


def _checkout(app, payments, **headers):
    return app.post("/checkout", {"delivery": {"method": "pickup", "location": "SCL"}, "payments": payments},
                    headers=headers or None)


def test_the_api_takes_points_and_the_card_for_the_rest(app, ana):
    _give(ana, points=10000)

    placed = _checkout(app, [{"method": "points", "amount": {"amount": "10000"}}, {"method": "card"}])

    assert placed.status_code == 201, placed.json()
    body = placed.json()
    assert sorted((p["method"], amount(p["amount"])) for p in body["payments"]) == [("card", 45000), ("points", 10000)]
    assert body["status"] == "pending_payment"


def test_the_api_pays_a_whole_order_with_store_credit_and_a_gift_card(app, ana):
    _give(ana, credit=40000)
    card = _gift_card(20000)

    placed = _checkout(app, [{"method": "gift_card", "amount": {"amount": "15000"}, "gift_card_code": card.code,
                              "pin": card.pin},
                             {"method": "store_credit"}])

    assert placed.status_code == 201, placed.json()
    assert placed.json()["status"] == "paid"
    assert _card_balance(card) == 5000 and _spendable(ana).store_credit.amount == 0


def test_the_api_takes_as_much_as_the_points_cover_up_to_the_total(app, ana):
    _give(ana, points=10000, credit=100000)

    some = _checkout(app, [{"method": "points", "up_to": True}, {"method": "card", "up_to": True}])

    assert some.status_code == 201, some.json()
    assert sorted((p["method"], amount(p["amount"])) for p in some.json()["payments"]) == [
        ("card", 45000), ("points", 10000)]
    app.add("SOCK-1", 1)  # a new cart, 5.000: the store credit covers it, no card is taken
    whole = _checkout(app, [{"method": "store_credit", "up_to": True}, {"method": "card", "up_to": True}])
    assert whole.status_code == 201, whole.json()
    assert [(p["method"], amount(p["amount"])) for p in whole.json()["payments"]] == [("store_credit", 5000)]
    assert whole.json()["status"] == "paid"


@pytest.mark.parametrize(("payments", "field"), [
    ([{"method": "gift_card", "gift_card_code": "NOPE-NOPE", "pin": "1"}], "payments.0.gift_card_code"),
    ([{"method": "points", "amount": {"amount": "20000"}}, {"method": "card"}], "payments.0.amount"),
    ([{"method": "store_credit"}], "payments.0.amount"),  # the rest, more than her credit
    ([{"method": "points", "amount": {"amount": "5000"}}, {"method": "card", "amount": {"amount": "60000"}}],
     "payments.1.amount"),  # more than the total
    ([{"method": "points", "amount": {"amount": "5000"}}], "payments"),  # less than the total
])
def test_the_api_answers_a_wrong_payment_with_422_on_its_field_and_writes_nothing(app, ana, payments, field):
    _give(ana, points=10000, credit=1000)

    response = _checkout(app, payments, **{"Accept-Language": "en"})

    assert response.status_code == 422, response.json()
    assert response.json()["errors"][0]["field"] == field
    assert not Order.objects.exists()
    left = _spendable(ana)
    assert (left.points, left.store_credit.amount) == (10000, Decimal(1000))
    assert app.get("/cart").json()["lines"]  # the cart is still there


def test_the_api_refuses_an_anonymous_session(device, world):
    anonymous = device()
    anonymous.add("SOCK-1", 1)

    response = anonymous.post("/checkout", {"delivery": {"method": "pickup", "location": "SCL"},
                                            "payments": [{"method": "points"}]})

    assert response.status_code == 401


def test_a_rejected_webpay_payment_gives_the_points_back_and_releases_the_stock(app, ana, client, settings):
    from omnicanal.orders.tests.webpay_loopback import API_KEY, COMMERCE_CODE, FakeWebpay

    fake = FakeWebpay().start()
    try:
        settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {
            "BASE_URL": fake.url, "COMMERCE_CODE": COMMERCE_CODE, "API_KEY": API_KEY,
            "RETURN_URL": "https://shop.example", "TIMEOUT_SECONDS": 2, "ABANDON_MINUTES": 30}}
        _give(ana, points=10000)
        placed = _checkout(app, [{"method": "points", "amount": {"amount": "10000"}}, {"method": "card"}]).json()
        card = next(p for p in placed["payments"] if p["method"] == "card")
        assert _spendable(ana).points == 0 and stock("SCL", "SHOE-40")["reserved"] == 1

        # the shopper follows the pay link, presses "pay", and Webpay rejects the card
        link = webpay.pay_link(card["id"], "/account/")
        page = client.post(link).content.decode()
        token = re.search(r'name="token_ws" value="([0-9a-f]{64})"', page).group(1)
        fake.decide(token, "reject")
        back_to = urlsplit(fake.transactions[token]["return_url"])
        back = client.post(f"{back_to.path}?{back_to.query}", {"token_ws": token})

        assert back.status_code == 302 and back["Location"].endswith("payment=rejected")
        assert Order.objects.get().status == "cancelled"
        assert _spendable(ana).points == 10000
        assert stock("SCL", "SHOE-40")["reserved"] == 0
    finally:
        fake.stop()

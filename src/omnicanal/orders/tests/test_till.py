"""The till's rules and pages without a browser: tenders read from the form (till.py), the change due,
products and customers found by name, a customer created with a name, quantities, and a split sale."""

from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty.services import program, stored_value
from omnicanal.orders import till
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import place
from omnicanal.orders.views import POS_SESSION

pytestmark = pytest.mark.django_db
POS = "/console/orders/pos/"


def clerk(client):
    with transaction.atomic():
        user = do_create_staff_user(username="clerk", password="secret-pass", role="store_staff", locations=["SCL"])
    client.force_login(user)
    return user


def test_the_form_s_tenders_apply_in_order_and_cash_received_pays_at_most_what_is_left():
    # given points, a gift card with its PIN and cash handed over
    form = {"pay_points": "10.000", "pay_gift_card": "20000", "gift_card_code": "GC-1", "pin": "1234",
            "payment": "cash", "cash_received": "25.000"}
    # when the till reads the form
    tenders = till.tenders_from_form(form, "CLP")
    # then points, then the gift card, then cash "up to" what was received
    assert [(p.method, p.amount.amount, p.up_to) for p in tenders.payments] == [
        ("points", Decimal(10000), False), ("gift_card", Decimal(20000), False), ("cash", Decimal(25000), True)]
    assert tenders.payments[1].gift_card_code == "GC-1" and tenders.payments[1].pin == "1234"
    assert tenders.received == Money.of(25000, "CLP")


def test_the_rest_method_pays_what_is_left_unless_it_has_its_own_amount():
    assert [(p.method, p.amount) for p in till.tenders_from_form({"payment": "card"}, "CLP").payments] == [("card", None)]
    typed = till.tenders_from_form({"payment": "card", "pay_card": "5000"}, "CLP").payments
    assert [(p.method, p.amount.amount) for p in typed] == [("card", Decimal(5000))]


@pytest.mark.parametrize(("form", "field"), [({"pay_card": "cinco"}, "pay_card"), ({"pay_points": "-3"}, "pay_points"),
                                             ({"payment": "bitcoin"}, "payment"), ({"cash_received": "0"}, "cash_received")])
def test_a_bad_tender_is_refused_on_its_field(form, field):
    with pytest.raises(ValidationFailed) as refused:
        till.tenders_from_form(form, "CLP")
    assert refused.value.errors[0].field == field


def test_the_change_is_what_was_handed_over_less_the_cash_taken():
    assert till.change_due(Money.of(30000, "CLP"), Money.of(20000, "CLP")) == Money.of(10000, "CLP")
    assert till.change_due(Money.of(20000, "CLP"), Money.of(20000, "CLP")) == Money.zero("CLP")
    assert till.change_due(None, Money.of(20000, "CLP")) == Money.zero("CLP")


def test_the_api_takes_cash_up_to_what_is_left(api, issue_key, world):
    # when a clerk's device sends 20,000 in cash for a 5,000 sock
    seller = api.as_(issue_key("store_staff", ["SCL"]))
    sold = place(seller, lines=[("SOCK-1", 1)], method="carry_out", location="SCL", channel="pos",
                 payments=[{"method": "cash", "amount": {"amount": "20000", "currency": "CLP"}, "up_to": True}])
    # then the order takes 5,000 in cash (the rest is change, handed back at the till)
    assert sold.status_code == 201, sold.json()
    assert [(p["method"], p["amount"]["amount"]) for p in sold.json()["payments"]] == [("cash", "5000")]


def test_a_split_sale_at_the_till_shows_the_change(client, world):
    # given a gift card of 3,000
    with transaction.atomic():
        card = stored_value.do_issue_gift_card(amount=Money.of(3000))
    clerk(client)
    client.post(POS, {"op": "add", "code": "SOCK-1", "location": "SCL"})
    # when the sock (5,000) is paid 1,000 by card, 3,000 by gift card and the rest from a 10,000 note
    page = client.post(POS, {"op": "sell", "location": "SCL", "pay_card": "1000", "pay_gift_card": "3000",
                             "gift_card_code": card.code, "pin": card.pin, "payment": "cash",
                             "cash_received": "10.000"}).content.decode()
    # then one order paid three ways, and 9,000 back
    order = Order.objects.get()
    assert sorted((p.method, int(p.amount)) for p in order.payments.all()) == [
        ("card_present", 1000), ("cash", 1000), ("gift_card", 3000)]
    assert 'data-testid="pos-change-due">$9.000<' in page


def test_a_product_is_found_by_name_and_its_quantity_set(client, world):
    clerk(client)
    # when the clerk types part of a name matching one product with one variant
    client.post(POS, {"op": "add", "code": "calcet", "location": "SCL"})
    assert client.session[POS_SESSION]["lines"] == {"SOCK-1": 1}
    # a name matching three variants lists them to choose from
    page = client.post(POS, {"op": "add", "code": "zapatilla", "location": "SCL"}, follow=True).content.decode()
    assert 'data-testid="pos-found-products"' in page and "SHOE-41" in page
    # and the quantity is typed
    client.post(POS, {"op": "qty", "sku": "SOCK-1", "quantity": "3", "location": "SCL"})
    assert client.session[POS_SESSION]["lines"] == {"SOCK-1": 3}
    refused = client.post(POS, {"op": "qty", "sku": "SOCK-1", "quantity": "many", "location": "SCL"}, follow=True)
    assert client.session[POS_SESSION]["lines"] == {"SOCK-1": 3} and refused.status_code == 200


def test_the_customer_is_found_by_name_with_tier_points_and_store_credit(client, world):
    # given a customer with points and store credit, and a namesake
    ana = make_customer()
    make_customer(phone="+56976543210", name="Ana Soto", email="ana.soto@example.cl")
    with transaction.atomic():
        program.do_configure_program(name="Club", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)
        program.do_adjust(customer_id=ana, kind="points", amount=1234, reason="welcome", actor=SYSTEM)
        stored_value.do_grant_store_credit(customer_id=ana, amount=Money.of(7000), reason="service_recovery", actor=SYSTEM)
    clerk(client)
    # when the clerk types "ana", both are offered
    page = client.post(POS, {"op": "identify", "who": "ana", "location": "SCL"}, follow=True).content.decode()
    assert "Ana Pérez" in page and "Ana Soto" in page and 'data-testid="pos-found-customers"' in page
    # and "ana perez" (no accent) finds her alone, with her balances
    page = client.post(POS, {"op": "identify", "who": "ana perez", "location": "SCL"}, follow=True).content.decode()
    assert client.session[POS_SESSION]["customer_id"] == ana
    assert 'data-testid="pos-points">1234<' in page and "$7.000" in page


def test_a_customer_is_created_at_the_till_with_a_name(client, world):
    clerk(client)
    client.post(POS, {"op": "create_customer", "name": "Rosa Fuentes", "location": "SCL"})
    from omnicanal.customers import queries as customers

    made = customers.customer_summary(client.session[POS_SESSION]["customer_id"])
    assert made.name == "Rosa Fuentes"
    # a name is required
    client.post(POS, {"op": "forget", "location": "SCL"})
    page = client.post(POS, {"op": "create_customer", "name": " ", "location": "SCL"}, follow=True).content.decode()
    assert client.session[POS_SESSION]["customer_id"] == "" and "name" in page.lower()


def test_a_return_at_the_till_refunds_as_store_credit_and_restocks(api, client, world):
    # given a web order of a sock, picked up at Santiago
    customer_id = make_customer()
    sold = place(api, lines=[("SOCK-1", 1)], method="carry_out", location="SCL", channel="pos",
                 customer_id=customer_id, payments=[{"method": "cash"}]).json()
    clerk(client)
    # when the clerk finds it at the till and takes the sock back as store credit
    client.post(POS, {"op": "return_find", "order": sold["number"], "location": "SCL"})
    page = client.get(f"{POS}?location=SCL").content.decode()
    assert 'data-testid="pos-return-form"' in page and sold["number"] in page
    client.post(POS, {"op": "return", "location": "SCL", "ret_SOCK-1": "1", "cond_SOCK-1": "resellable",
                      "reason": "size", "refund_to": "store_credit"})
    # then the returns service received it: credit given, the sock back on the shelf
    from omnicanal.loyalty import queries as loyalty
    from omnicanal.orders.tests.conftest import stock

    assert loyalty.summary(customer_id).store_credit == Money.of(5000)
    assert stock("SCL", "SOCK-1")["on_hand"] == 5
    assert "return_order" not in client.session[POS_SESSION]


def test_an_exchange_at_the_till_pays_the_new_sale_from_the_returned_goods(api, client, world):
    customer_id = make_customer()
    sold = place(api, lines=[("SOCK-1", 2)], method="carry_out", location="SCL", channel="pos",
                 customer_id=customer_id, payments=[{"method": "cash"}]).json()
    clerk(client)
    # when the clerk rings up a new sock and exchanges one defective sock of the order for it
    client.post(POS, {"op": "add", "code": "SOCK-1", "location": "SCL"})
    client.post(POS, {"op": "return_find", "order": sold["number"], "location": "SCL"})
    client.post(POS, {"op": "return", "location": "SCL", "ret_SOCK-1": "1", "cond_SOCK-1": "damaged",
                      "reason": "defective", "exchange": "1"})
    # then a new carry-out order paid from the return's credit, and the sale is empty
    exchange = Order.objects.exclude(public_id=sold["id"]).get()
    assert exchange.status == "completed" and [p.method for p in exchange.payments.all()] == ["stored_value"]
    assert client.session[POS_SESSION]["lines"] == {}

"""The account's order page (its return form: at a store or by mail, refunded to the original payment
or as store credit) and the rewards page, without JavaScript."""

import re

from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE

SHIP = {"method": "ship", "address": {"line1": "Av. Apoquindo 4500", "city": "Las Condes", "country": "CL"}}


def signed_in(client, customer_id):
    """The client's device signed in as the customer (as a verified code would)."""
    with transaction.atomic():
        client.cookies[COOKIE] = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    return client


def delivered_order(customer_id, sku="SHOE-41", quantity=1):
    """A web order shipped from the warehouse, paid and delivered."""
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=customer_id, lines=[orders.LineIn(sku, quantity)],
                                      delivery=SHIP, payments=[orders.PaymentIn(method="card")])
        orders.do_payment_event(provider="testpay", event_id=f"e-{order.public_id}",
                                payment_id=order.payments.get().public_id, status="captured")
        f = order.fulfillments.get()
        for action, data in (("pick", {}), ("pack", {}), ("ship", {"carrier": "Starken", "tracking": "S1"}),
                             ("deliver", {})):
            orders.do_transition(fulfillment_id=f.public_id, action=action, data=data)
    return order


def _return(client, order, **fields):
    return client.post(f"/account/orders/{order.public_id}/", {
        "qty_SHOE-41": "1", "reason_SHOE-41": "size", "refund_to": "original", **fields})


def test_the_order_page_shows_the_customers_own_order_and_anyone_elses_is_404(client, ana):
    order = delivered_order(ana)
    other = make_customer(phone="+56987654000", name="Otra", email="otra@example.cl")

    page = signed_in(client, ana).get(f"/account/orders/{order.public_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert order.number in html and 'data-sku="SHOE-41"' in html and 'data-testid="return-form"' in html
    assert client.get(f"/account/orders/{order.number}/").status_code == 200  # by number too
    assert signed_in(client, other).get(f"/account/orders/{order.public_id}/").status_code == 404
    assert client.post(f"/account/orders/{order.public_id}/", {"qty_SHOE-41": "1", "method": "mail"}).status_code == 404
    assert client.get("/account/orders/ord_00000000000000000000000000/").status_code == 404
    client.cookies.pop(COOKIE)
    anonymous = client.get(f"/account/orders/{order.public_id}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/sign-in/?next=")


def test_the_account_links_each_order_to_its_page(client, ana):
    order = delivered_order(ana)

    page = signed_in(client, ana).get("/account/").content.decode()

    assert f'href="/account/orders/{order.public_id}/"' in page and 'href="/account/loyalty/"' in page


def test_a_return_by_mail_creates_the_return_with_its_label_link(client, ana):
    order = delivered_order(ana)
    signed_in(client, ana)

    response = _return(client, order, method="mail")

    assert response.status_code == 302 and response["Location"] == f"/account/orders/{order.public_id}/"
    [ret] = orders_queries.get_order(order.public_id).returns.all()
    assert ret.by_mail and ret.status == "requested" and ret.location == "WH" and ret.tracking
    assert [(rl.sku, rl.quantity, rl.reason) for rl in ret.lines.all()] == [("SHOE-41", 1, "size")]
    page = client.get(response["Location"]).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="label-link"', page).group(1)
    assert link == orders_queries.return_dict(ret, client.get("/").wsgi_request)["label_url"]
    label = client.get(link)
    assert label.status_code == 200 and ret.tracking in label.content.decode()  # the printable label, by its signed link
    assert 'data-testid="return-form"' not in page  # the only unit is in that return now


def test_a_return_in_a_store_creates_a_pending_in_store_return_refunded_as_store_credit(client, ana):
    order = delivered_order(ana)
    signed_in(client, ana)

    response = _return(client, order, method="store", location="SCL", refund_to="store_credit")

    assert response.status_code == 302
    [ret] = orders_queries.get_order(order.public_id).returns.all()
    assert (ret.by_mail, ret.location, ret.status, ret.refund_to) == (False, "SCL", "requested", "store_credit")
    assert ret.history[0]["actor"].startswith("shopper:")  # the customer asked for it, on their own device
    page = client.get(response["Location"]).content.decode()
    assert f'data-return="{ret.public_id}"' in page and 'data-testid="label-link"' not in page


def test_a_return_form_without_units_a_method_or_a_listed_store_is_shown_again_with_its_error(client, ana):
    order = delivered_order(ana)
    signed_in(client, ana)

    no_units = client.post(f"/account/orders/{order.public_id}/", {"qty_SHOE-41": "0", "method": "mail"})
    no_method = _return(client, order)
    warehouse = _return(client, order, method="store", location="WH")  # takes parcels, not visitors
    too_many = _return(client, order, **{"qty_SHOE-41": "2", "method": "mail"})

    for response in (no_units, no_method, warehouse, too_many):
        assert response.status_code == 422 and b'role="alert"' in response.content
    assert not orders_queries.get_order(order.public_id).returns.exists()


def test_an_order_not_delivered_yet_offers_no_return(client, ana):
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=ana, lines=[orders.LineIn("SHOE-41", 1)],
                                      delivery=SHIP, payments=[orders.PaymentIn(method="card")])

    page = signed_in(client, ana).get(f"/account/orders/{order.public_id}/").content.decode()

    assert 'data-testid="return-form"' not in page
    assert _return(client, order, method="mail").status_code == 422


def test_the_rewards_page_shows_points_tier_store_credit_history_and_the_qr_card(client, ana):
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import program, stored_value

    with transaction.atomic():
        program.do_adjust(customer_id=ana, kind="points", amount=1200, reason="welcome", actor=SYSTEM)
        program.do_adjust(customer_id=ana, kind="store_credit", amount=15000, reason="goodwill", actor=SYSTEM)
        stored_value.do_issue_gift_card(amount=Money.of(20000, "CLP"), purchaser_id=ana, code="ABCD2345EFGH6789")

    page = signed_in(client, ana).get("/account/loyalty/")

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'data-testid="points">1200\b', html)
    assert re.search(r'data-testid="store-credit">\$\s?15\.000', html)
    assert "ABCD…6789" in html and "ABCD2345EFGH6789" not in html
    assert 'data-testid="history"' in html and "+1200" in html
    qr = re.search(r'<img src="([^"]+)"[^>]*data-testid="loyalty-qr"', html).group(1).replace("&amp;", "&")
    card = client.get(qr)
    assert card.status_code == 200 and card["Content-Type"].startswith("image/svg+xml")
    assert b'xmlns="http://www.w3.org/2000/svg"' in card.content  # an image on its own, not only inline
    client.cookies.pop(COOKIE)
    assert client.get("/account/loyalty/").status_code == 302

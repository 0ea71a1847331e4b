"""The shopper's pages without JavaScript: sign-in with a code, the cart, the account, signing out."""

import re

from django.db import transaction
from django.test import Client

from omnicanal.storefront import queries, services
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.models import ShopperSession
from omnicanal.storefront.tests.conftest import last_code


def _sign_in(client, address="ana@example.cl", next_url=""):
    sent = client.post("/account/sign-in/", {"address": address, "next": next_url})
    assert sent.status_code == 200 and b'name="code"' in sent.content
    return client.post("/account/sign-in/verify/", {"address": address, "code": last_code(), "next": next_url})


def test_the_header_offers_sign_in_and_the_cart_to_an_anonymous_visitor(client, world):
    page = client.get("/")

    assert page.status_code == 200
    assert b'data-testid="sign-in-link"' in page.content and b'data-testid="cart-link"' in page.content
    assert COOKIE not in page.cookies  # no session until one is needed


def test_signing_in_with_the_code_sets_an_httponly_lax_cookie_and_lands_on_the_account(client, ana, inboxes):
    response = _sign_in(client)

    assert response.status_code == 302 and response["Location"] == "/account/"
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    account = client.get("/account/")
    assert account.status_code == 200 and "Ana" in account.content.decode()
    assert b'data-testid="account-link"' in account.content
    assert ShopperSession.objects.get().customer_id == ana


def test_a_wrong_code_shows_the_error_on_the_code_form(client, ana, inboxes):
    client.post("/account/sign-in/", {"address": "ana@example.cl"})
    code = last_code()

    response = client.post("/account/sign-in/verify/", {"address": "ana@example.cl",
                                                        "code": "000000" if code != "000000" else "111111"})

    assert response.status_code == 422 and b'role="alert"' in response.content and b'name="code"' in response.content


def test_an_invalid_address_is_shown_again_with_its_error(client, world):
    response = client.post("/account/sign-in/", {"address": "not a phone"})

    assert response.status_code == 422 and b'aria-invalid="true"' in response.content


def test_the_account_sends_an_anonymous_visitor_to_sign_in(client, world):
    response = client.get("/account/")

    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/?next=")


def test_the_cart_page_edits_quantities_and_shows_availability_and_totals(client, world):
    assert client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "2"}).status_code == 302
    client.post("/cart/lines/", {"sku": "SOCK-1", "quantity": "1"})

    page = client.get("/cart/").content.decode()

    assert 'data-sku="SHOE-40"' in page and 'data-sku="SOCK-1"' in page
    assert re.search(r'name="quantity"[^>]*value="2"', page)
    assert "available" in page or "disponible" in page
    assert "105.000" in page  # 2 × 50.000 + 5.000
    assert 'class="cart-count">3<' in page  # the header's badge

    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "0"})
    assert 'data-sku="SHOE-40"' not in client.get("/cart/").content.decode()


def test_a_line_beyond_the_stock_is_flagged_short(client, world):
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "20"})

    page = client.get("/cart/").content.decode()

    assert "cart-line-stock short" in page


def test_a_bad_quantity_or_sku_changes_nothing(client, world):
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "abc"})
    client.post("/cart/lines/", {"sku": "NOPE", "quantity": "1"})

    assert b'data-testid="cart-empty"' in client.get("/cart/").content


def test_the_phone_cart_merges_into_the_customers_cart_on_signing_in_on_the_desktop(ana, inboxes):
    desktop, phone = Client(), Client()
    _sign_in(desktop)
    desktop.post("/cart/lines/", {"sku": "SOCK-1", "quantity": "1"})
    phone.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "1"})

    _sign_in(phone)

    page = desktop.get("/cart/").content.decode()
    assert 'data-sku="SHOE-40"' in page and 'data-sku="SOCK-1"' in page


def test_sign_out_ends_this_device_and_sign_out_everywhere_ends_all(ana, inboxes):
    phone, laptop, tablet = Client(), Client(), Client()
    for device in (phone, laptop, tablet):
        _sign_in(device)

    phone.post("/account/sign-out/")
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200

    laptop.post("/account/sign-out-everywhere/")
    assert laptop.get("/account/").status_code == 302
    assert tablet.get("/account/").status_code == 302


def test_the_account_lists_the_customers_orders_with_status(client, ana, inboxes):
    _sign_in(client)
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "1"})

    with transaction.atomic():
        order = services.do_checkout(shopper=queries.shopper_for_token(client.cookies[COOKIE].value),
                                     delivery={"method": "pickup", "location": "SCL"})

    page = client.get("/account/").content.decode()

    assert order.number in page and 'data-testid="orders"' in page
    from omnicanal.orders import queries as orders_queries

    tracking = orders_queries.tracking_url(order.public_id)
    assert f'href="{tracking}"' in page and client.get(tracking).status_code == 200


def test_the_next_address_must_stay_on_the_site(client, ana, inboxes):
    response = _sign_in(client, next_url="https://evil.example/")

    assert response["Location"] == "/account/"


def test_checkout_asks_an_anonymous_visitor_to_sign_in_first(client, world):
    client.post("/cart/lines/", {"sku": "SHOE-40", "quantity": "1"})

    response = client.get("/checkout/")

    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/?next=%2Fcheckout%2F")


def test_signing_in_on_the_web_changes_the_cookies_token_and_the_old_one_stops_working(client, ana, inboxes):
    client.post("/cart/lines/", {"sku": "SOCK-1", "quantity": "1"})
    before = client.cookies[COOKIE].value

    _sign_in(client)

    after = client.cookies[COOKIE].value
    assert after != before
    assert queries.shopper_for_token(before) is None
    assert queries.shopper_for_token(after).customer_id == ana


def test_the_pages_answer_head_and_refuse_a_get_on_their_forms_targets(client, world):
    for path in ("/account/sign-in/", "/cart/", "/account/", "/checkout/"):
        assert client.head(path).status_code in (200, 302), path
    for path in ("/account/sign-in/verify/", "/account/sign-out/", "/account/sign-out-everywhere/", "/cart/lines/"):
        assert client.get(path).status_code == 405, path

"""Webpay Plus round trips against a loopback server speaking Webpay's documented JSON (fixtures/webpay/):
approved, rejected, abandoned and timed out; forged and replayed returns; a provider answering other
values or not answering; the sweep of payments never brought back; refunds. Stock is checked through
inventory's queries."""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from omnicanal.core import clock
from omnicanal.core.models import OutboxEvent
from omnicanal.orders import tasks, webpay
from omnicanal.orders.models import Order, Payment, ProviderEvent
from omnicanal.orders.tests.conftest import stock
from omnicanal.orders.tests.helpers import amount, place
from omnicanal.orders.tests.webpay_loopback import API_KEY, COMMERCE_CODE, FakeWebpay, fixture

NEXT = "/account/orders/mine"


@pytest.fixture
def fake_webpay(settings):
    server = FakeWebpay().start()
    settings.OMNICANAL = {**settings.OMNICANAL, "CARD_PROVIDER": "webpay", "WEBPAY": {
        "BASE_URL": server.url, "COMMERCE_CODE": COMMERCE_CODE, "API_KEY": API_KEY,
        "RETURN_URL": "https://shop.example", "TIMEOUT_SECONDS": 2, "ABANDON_MINUTES": 30}}
    yield server
    server.stop()


def _order(api, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    return order, order["payments"][0]["id"]


def _go_to_webpay(client, pay_id):
    """The shopper follows the shop's pay link and presses "pay": we open the Webpay transaction."""
    link = webpay.pay_link(pay_id, NEXT)
    assert client.get(link).status_code == 200
    page = client.post(link)
    assert page.status_code == 200, page.content
    token = re.search(r'name="token_ws" value="([0-9a-f]{64})"', page.content.decode()).group(1)
    return token, page


def _return_path(fake, token):
    """Where Webpay sends the shopper back: the return_url we gave at create (our host's path)."""
    parts = urlsplit(fake.transactions[token]["return_url"])
    assert parts.scheme == "https" and parts.netloc == "shop.example"
    return f"{parts.path}?{parts.query}"


def _status(order):
    return Order.objects.get(public_id=order["id"]).status


def _cause(order):
    return Order.objects.get(public_id=order["id"]).cancel_cause


@pytest.mark.django_db
def test_an_approved_round_trip_pays_the_order_once(api, client, customer_id, fake_webpay):
    # given a web order paid by card through Webpay: pending, its stock reserved
    order, pay_id = _order(api, customer_id)
    assert Payment.objects.get(public_id=pay_id).provider == "webpay"
    assert stock("WH", "SHOE-41")["reserved"] == 1
    # when the shopper goes to pay
    token, page = _go_to_webpay(client, pay_id)
    # then we created it as Webpay documents: its path, the key headers, the four fields
    create = fake_webpay.calls_to("POST")[0]
    assert create["path"] == "/rswebpaytransaction/api/webpay/v1.2/transactions"
    assert create["headers"]["tbk-api-key-id"] == COMMERCE_CODE
    assert create["headers"]["tbk-api-key-secret"] == API_KEY
    assert create["headers"]["content-type"] == "application/json"
    assert set(create["body"]) == set(fixture("create_request"))
    assert create["body"]["amount"] == amount(order["totals"]["total"])
    assert create["body"]["buy_order"] == pay_id.removeprefix("pay_")
    assert create["body"]["session_id"] == order["id"]
    # and the browser is sent to Webpay's url with a form POST of token_ws, which our CSP lets leave
    assert f'action="{fake_webpay.url}/webpayserver/initTransaction"' in page.content.decode()
    assert f"form-action 'self' {fake_webpay.url}" in page["Content-Security-Policy"]
    assert _status(order) == "pending_payment"
    # when the shopper pays and Webpay posts token_ws back
    fake_webpay.decide(token, "approve")
    back = client.post(_return_path(fake_webpay, token), {"token_ws": token})
    # then we committed once, the order is paid, and the shopper lands on the shop's page
    assert back.status_code == 302
    assert back["Location"] == f"{NEXT}?payment=approved"
    commits = fake_webpay.calls_to("PUT")
    assert [c["path"] for c in commits] == [f"{webpay.API_PATH}/{token}"]
    assert commits[0]["headers"]["tbk-api-key-secret"] == API_KEY
    assert _status(order) == "paid"
    assert Payment.objects.get(public_id=pay_id).status == "captured"
    assert OutboxEvent.objects.filter(topic="orders.OrderPaid").count() == 1


@pytest.mark.django_db
def test_a_rejected_card_cancels_the_order_and_releases_its_stock(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "reject")
    back = client.post(_return_path(fake_webpay, token), {"token_ws": token})
    assert back["Location"] == f"{NEXT}?payment=rejected"
    assert len(fake_webpay.calls_to("PUT")) == 1
    assert _status(order) == "cancelled" and _cause(order) == "payment_failed"  # declined
    assert Payment.objects.get(public_id=pay_id).status == "failed"
    assert stock("WH", "SHOE-41")["reserved"] == 0


@pytest.mark.django_db
def test_an_abandoned_payment_is_not_committed_and_releases_its_stock(api, client, customer_id, fake_webpay):
    # given a shopper on Webpay's page who presses "anular": Webpay returns TBK_TOKEN and our ids
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    back = client.post(_return_path(fake_webpay, token), {
        "TBK_TOKEN": token, "TBK_ORDEN_COMPRA": pay_id.removeprefix("pay_"), "TBK_ID_SESION": order["id"]})
    # then no commit was sent, the order is cancelled and the stock is free again
    assert back["Location"] == f"{NEXT}?payment=cancelled"
    assert fake_webpay.calls_to("PUT") == []
    assert _status(order) == "cancelled" and _cause(order) == "payment_abandoned"
    assert stock("WH", "SHOE-41")["reserved"] == 0


@pytest.mark.django_db
def test_a_timed_out_form_asks_webpay_and_releases_the_stock(api, client, customer_id, fake_webpay):
    # given a shopper idle on Webpay's form: only our buy order and session id come back (GET works too)
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    path = _return_path(fake_webpay, token)
    back = client.get(f"{path}&TBK_ORDEN_COMPRA={pay_id.removeprefix('pay_')}&TBK_ID_SESION={order['id']}")
    # then Webpay's status decided (not paid): no commit, cancelled, released
    assert back["Location"] == f"{NEXT}?payment=cancelled"
    assert [c["path"] for c in fake_webpay.calls_to("GET")] == [f"{webpay.API_PATH}/{token}"]
    assert fake_webpay.calls_to("PUT") == []
    assert _status(order) == "cancelled" and _cause(order) == "payment_abandoned"
    assert stock("WH", "SHOE-41")["reserved"] == 0


@pytest.mark.django_db
def test_forged_returns_change_nothing(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")
    calls = len(fake_webpay.calls)
    path = _return_path(fake_webpay, token)
    forged = [
        {"token_ws": "f" * 64},                                          # a token we never issued
        {"token_ws": "../../etc/passwd"},                                # not even a token
        {"TBK_TOKEN": "e" * 64, "TBK_ORDEN_COMPRA": "x", "TBK_ID_SESION": "y"},
        {"TBK_ORDEN_COMPRA": pay_id.removeprefix("pay_"), "TBK_ID_SESION": "ord_someone_else"},
    ]
    for fields in forged:
        answer = client.post(path, fields)
        assert answer.status_code == 404, fields
        assert b'data-testid="webpay-result"' in answer.content  # our page (in the shopper's language)
    assert client.post(path, {}).status_code == 400
    spanish = client.post(path, {"token_ws": "f" * 64}, HTTP_ACCEPT_LANGUAGE="es")
    assert "No conocemos este pago" in spanish.content.decode()
    # nothing was asked of Webpay, nothing changed here
    assert len(fake_webpay.calls) == calls
    assert _status(order) == "pending_payment"
    assert Payment.objects.get(public_id=pay_id).status == "pending"
    assert stock("WH", "SHOE-41")["reserved"] == 1


@pytest.mark.django_db
def test_a_replayed_token_after_success_changes_nothing(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")
    path = _return_path(fake_webpay, token)
    assert client.post(path, {"token_ws": token})["Location"] == f"{NEXT}?payment=approved"
    # when the same return arrives again (a reload, a replay), or as an abort of the same token
    again = client.post(path, {"token_ws": token})
    aborted = client.post(path, {"TBK_TOKEN": token, "TBK_ORDEN_COMPRA": "x", "TBK_ID_SESION": "y"})
    # then no second commit, no second capture, the order stays paid
    assert again["Location"] == f"{NEXT}?payment=approved"
    assert aborted["Location"] == f"{NEXT}?payment=approved"
    assert len(fake_webpay.calls_to("PUT")) == 1
    assert ProviderEvent.objects.filter(provider="webpay").count() == 1
    assert OutboxEvent.objects.filter(topic="orders.OrderPaid").count() == 1
    assert _status(order) == "paid"


@pytest.mark.django_db
def test_an_answer_with_another_amount_is_not_captured(api, client, customer_id, fake_webpay):
    # given Webpay's commit answering AUTHORIZED for an amount that is not ours
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")
    fake_webpay.tamper = {"amount": 1}
    back = client.post(_return_path(fake_webpay, token), {"token_ws": token})
    # then it is not captured: the order is cancelled, its stock released, and the authorization given back
    assert back["Location"] == f"{NEXT}?payment=rejected"
    assert _status(order) == "cancelled"
    assert Payment.objects.get(public_id=pay_id).status == "failed"
    assert stock("WH", "SHOE-41")["reserved"] == 0
    assert [c["body"] for c in fake_webpay.calls_to("POST", "/refunds")] == [{"amount": 1}]


@pytest.mark.django_db
def test_a_silent_provider_leaves_the_payment_pending_and_a_retry_settles_it(api, client, customer_id, fake_webpay,
                                                                               settings):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")
    path = _return_path(fake_webpay, token)
    # when Webpay does not answer the commit in time
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {**settings.OMNICANAL["WEBPAY"], "TIMEOUT_SECONDS": 0.3}}
    fake_webpay.delay = 1.0
    answer = client.post(path, {"token_ws": token})
    # then a clear page (no 500) with a retry, and nothing decided: pending, stock still held
    assert answer.status_code == 503
    assert b'data-testid="webpay-result"' in answer.content
    assert f'value="{token}"'.encode() in answer.content
    assert _status(order) == "pending_payment"
    assert Payment.objects.get(public_id=pay_id).status == "pending"
    assert stock("WH", "SHOE-41")["reserved"] == 1
    # when Webpay is back and the shopper retries (Webpay committed the first call late: it refuses a
    # second commit, and its status settles it)
    fake_webpay.delay = 0
    retry = client.post(path, {"token_ws": token})
    assert retry["Location"] == f"{NEXT}?payment=approved"
    assert _status(order) == "paid"
    assert OutboxEvent.objects.filter(topic="orders.OrderPaid").count() == 1


@pytest.mark.django_db
def test_a_silent_provider_at_start_is_a_clear_page(api, client, customer_id, fake_webpay, settings):
    order, pay_id = _order(api, customer_id)
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {**settings.OMNICANAL["WEBPAY"], "TIMEOUT_SECONDS": 0.3}}
    fake_webpay.delay = 1.0
    answer = client.post(webpay.pay_link(pay_id, NEXT))
    assert answer.status_code == 503
    assert b'data-testid="webpay-result"' in answer.content
    assert Payment.objects.get(public_id=pay_id).status == "pending"


def _age(pay_id, minutes=31):
    Payment.objects.filter(public_id=pay_id).update(updated_at=clock.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_the_sweep_releases_payments_never_brought_back(api, client, customer_id, fake_webpay):
    # given one shopper who left Webpay's page open, one who never reached it, and a fresh one
    left, left_pay = _order(api, customer_id)
    token, _ = _go_to_webpay(client, left_pay)
    never, never_pay = _order(api, customer_id)
    fresh, fresh_pay = _order(api, customer_id)
    _go_to_webpay(client, fresh_pay)
    _age(left_pay)
    _age(never_pay)
    gets = len(fake_webpay.calls_to("GET"))
    # when the periodic sweep runs
    assert webpay.sweep() == 2
    # then Webpay's status was asked for the started one first; both old ones are cancelled and released
    assert [c["path"] for c in fake_webpay.calls_to("GET")[gets:]] == [f"{webpay.API_PATH}/{token}"]
    assert fake_webpay.calls_to("PUT") == []
    assert _status(left) == _status(never) == "cancelled"
    assert _cause(left) == _cause(never) == "payment_abandoned"  # never brought back, not declined
    assert _status(fresh) == "pending_payment"
    assert stock("WH", "SHOE-41")["reserved"] == 1  # the fresh one's


@pytest.mark.django_db
def test_the_sweep_captures_a_payment_made_but_never_brought_back(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")  # paid on Webpay's page, then the browser was closed
    _age(pay_id)
    assert tasks.settle_unreturned_webpay_payments.call_local() == 1  # the periodic task itself
    assert len(fake_webpay.calls_to("PUT")) == 1
    assert _status(order) == "paid"


@pytest.mark.django_db
def test_cancelling_a_paid_order_refunds_through_webpay(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    token, _ = _go_to_webpay(client, pay_id)
    fake_webpay.decide(token, "approve")
    client.post(_return_path(fake_webpay, token), {"token_ws": token})
    assert api.post(f"/orders/{order['id']}/cancel", {"reason": "changed my mind"}).status_code == 200
    refunds = fake_webpay.calls_to("POST", "/refunds")
    assert [(c["path"], c["body"]) for c in refunds] == [
        (f"{webpay.API_PATH}/{token}/refunds", {"amount": amount(order["totals"]["total"])})]
    assert Payment.objects.get(public_id=pay_id).refunded == amount(order["totals"]["total"])


@pytest.mark.django_db
def test_the_pay_link_needs_our_csrf_token_and_the_return_page_does_not(api, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(webpay.pay_link(pay_id, NEXT)).status_code == 403
    assert strict.post("/payments/webpay/return", {"token_ws": "f" * 64}).status_code == 404


@pytest.mark.django_db
def test_a_next_path_too_long_for_webpay_gives_way_to_the_home_page(api, client, customer_id, fake_webpay):
    order, pay_id = _order(api, customer_id)
    redirect = webpay.start(pay_id, next_path="/" + secrets.token_hex(150))  # incompressible
    return_url = fake_webpay.transactions[redirect.token]["return_url"]
    assert len(return_url) <= 255
    fake_webpay.decide(redirect.token, "approve")
    back = client.post(_return_path(fake_webpay, redirect.token), {"token_ws": redirect.token})
    assert back["Location"] == "/?payment=approved"
    assert _status(order) == "paid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_returns_of_one_token_capture_once(fake_webpay):
    import threading

    from django.db import connection

    from omnicanal.orders import services
    from omnicanal.orders.tests.conftest import make_customer, make_world
    from omnicanal.orders.tests.helpers import ADDRESS, in_tx

    # given a paid-on-Webpay payment whose shopper's browser sends the return twice at once
    make_world()
    order = in_tx(services.do_place_order, channel="web", customer_id=make_customer(),
                  lines=[services.LineIn("SHOE-41", 1)], delivery={"method": "ship", "address": ADDRESS})
    pay_id = order.payments.get().public_id
    token = webpay.start(pay_id, next_path=NEXT).token
    fake_webpay.decide(token, "approve")
    barrier, outcomes = threading.Barrier(2), []

    def shopper():
        try:
            barrier.wait()
            outcomes.append(webpay.handle_return({"token_ws": token}).result)
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # then both see it approved, and it was captured once: one event, one OrderPaid
    assert outcomes == ["approved", "approved"]
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert ProviderEvent.objects.filter(provider="webpay").count() == 1
    assert OutboxEvent.objects.filter(topic="orders.OrderPaid").count() == 1

"""Stored cards (Webpay Oneclick Mall): the inscription's round trip through the sandbox's page keeps
only Transbank's tbk_user (encrypted), the brand and the last four digits; a saved card pays an
order already committed, or is declined and the order cancelled; removal and erasure forget the
card here and at Transbank; the client speaks real HTTP with Transbank's headers."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.cache import cache
from django.db import connection, transaction

from omnicanal.core.errors import Problem, ValidationFailed
from omnicanal.orders import oneclick, oneclick_sandbox, queries, services
from omnicanal.orders.models import Order, Payment, StoredCard
from omnicanal.orders.oneclick import OneclickClient
from omnicanal.orders.tests.conftest import make_customer, stock
from omnicanal.orders.webpay import ProviderUnavailable
from omnicanal.orders.webpay_config import REJECTED_TEST_CARD, TEST_CARD
from omnicanal.orders.webpay_wire import WebpayRefused

NEXT = "/account/subscriptions/"  # with "#cards": the fragment stays last


@pytest.fixture
def sandbox(settings):
    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {"BASE_URL": "sandbox", "RETURN_URL": ""},
                          "ONECLICK": {}}


def save_card(client, customer_id, number=TEST_CARD, choice="save"):
    """The shopper's round trip: start, Transbank's page (the sandbox's), back to our return."""
    redirect = services.do_start_card_inscription(customer_id=customer_id, email="ana@example.cl",
                                                  return_base="http://testserver/", next_path=f"{NEXT}#cards")
    assert redirect.url == oneclick_sandbox.PAGE and re.fullmatch(r"[0-9a-f]{64}", redirect.token)
    page = client.post(redirect.url, {"TBK_TOKEN": redirect.token})
    assert page.status_code == 200 and TEST_CARD in page.content.decode()
    back = client.post("/payments/sandbox/oneclick/decide",
                       {"TBK_TOKEN": redirect.token, "choice": choice, "card_number": number})
    assert back.status_code == 302 and urlsplit(back["Location"]).path == oneclick.RETURN_PATH
    return redirect.token, client.get(back["Location"])


def pending_order(customer_id, sku="SOCK-1"):
    with transaction.atomic():
        return services.do_place_order(
            channel="web", delivery={"method": "pickup", "location": "SCL"}, customer_id=customer_id,
            lines=[services.LineIn(sku=sku, quantity=1)],
            payments=[services.PaymentIn(method="card", provider="oneclick")])


def only_card(customer_id):
    [card] = queries.stored_cards(customer_id)
    return card


@pytest.mark.django_db
def test_saving_a_card_keeps_only_its_brand_last_four_and_the_encrypted_tbk_user(client, customer_id, sandbox):
    token, landed = save_card(client, customer_id)
    assert landed.status_code == 302 and landed["Location"] == f"{NEXT}?card=saved#cards"
    card = only_card(customer_id)
    assert (card.card_type, card.last4, card.label) == ("Visa", "6623", "Visa •••• 6623")
    row = StoredCard.objects.get(public_id=card.id)
    assert row.tbk_user.startswith("fernet:") and row.token == ""
    with connection.cursor() as cursor:  # the number is nowhere in the table, in any column
        cursor.execute("SELECT * FROM orders_storedcard")
        assert TEST_CARD not in repr(cursor.fetchall())
    # the same TBK_TOKEN again (a replayed return) saves nothing more
    assert client.get(f"{oneclick.RETURN_PATH}?TBK_TOKEN={token}").status_code == 404
    assert len(queries.stored_cards(customer_id)) == 1


@pytest.mark.django_db
def test_a_cancelled_inscription_saves_nothing(client, customer_id, sandbox):
    _, landed = save_card(client, customer_id, choice="cancel")
    assert landed["Location"] == f"{NEXT}?card=failed#cards"
    assert queries.stored_cards(customer_id) == [] and not StoredCard.objects.exists()


@pytest.mark.django_db
def test_a_saved_card_pays_the_order(client, customer_id, sandbox):
    save_card(client, customer_id)
    order = pending_order(customer_id)
    assert order.status == "pending_payment"
    charge = services.do_charge_stored_card(order_id=order.public_id, card_id=only_card(customer_id).id)
    assert (charge.order_id, charge.result) == (order.public_id, "captured")
    pay = Payment.objects.get(order=order)
    assert (pay.provider, pay.status) == ("oneclick", "captured")
    assert Order.objects.get(pk=order.pk).status == "paid" and queries.card_charge(order.public_id) == "paid"
    # asked again (a second worker, a retried run): nothing is sent twice
    assert services.do_charge_stored_card(order_id=order.public_id, card_id=only_card(customer_id).id).result == "captured"
    # and a cancellation gives the money back through Oneclick's refunds call
    with transaction.atomic():
        services.do_cancel_order(order=Order.objects.get(pk=order.pk), reason="test")
    assert Payment.objects.get(pk=pay.pk).refunded == pay.amount
    status = OneclickClient().status(pay.public_id.removeprefix("pay_"))
    assert status["details"][0]["status"] == "REVERSED"


@pytest.mark.django_db
def test_a_declined_card_cancels_the_committed_order_and_releases_its_units(client, customer_id, sandbox):
    save_card(client, customer_id, number=REJECTED_TEST_CARD)
    card = only_card(customer_id)
    assert card.card_type == "Mastercard"
    before = stock("SCL", "SOCK-1")
    order = pending_order(customer_id)
    assert queries.card_charge(order.public_id) == "awaiting"
    charge = services.do_charge_stored_card(order_id=order.public_id, card_id=card.id)
    assert charge.result == "declined" and "0568" in charge.detail
    order.refresh_from_db()
    assert (order.status, order.cancel_cause) == ("cancelled", "payment_failed")
    assert stock("SCL", "SOCK-1") == before and queries.card_charge(order.public_id) == "cancelled"


@pytest.mark.django_db
def test_only_the_orders_own_customer_s_card_may_pay_it(client, customer_id, sandbox):
    save_card(client, customer_id)
    other = make_customer(phone="+56998761234", name="Bea Soto", email="bea@example.cl")
    order = pending_order(other)
    charge = services.do_charge_stored_card(order_id=order.public_id, card_id=only_card(customer_id).id)
    assert charge.result == "declined" and Order.objects.get(pk=order.pk).status == "cancelled"
    with pytest.raises(WebpayRefused):  # nothing was sent to Transbank for it
        OneclickClient().status(Payment.objects.get(order=order).public_id.removeprefix("pay_"))


@pytest.mark.django_db(transaction=True)
def test_removing_a_card_forgets_it_here_and_at_transbank_after_the_commit(client, customer_id, sandbox):
    save_card(client, customer_id)
    card = only_card(customer_id)
    tbk_user = StoredCard.objects.get(public_id=card.id).tbk_user
    with transaction.atomic():
        services.do_remove_card(customer_id=customer_id, card_id=card.id)
    assert queries.stored_cards(customer_id) == []
    from omnicanal.core import crypto

    with pytest.raises(Exception, match="tbk_user"):  # Transbank no longer knows the inscription
        OneclickClient().delete_inscription(tbk_user=crypto.decrypt(tbk_user), username=customer_id)


@pytest.mark.django_db(transaction=True)
def test_erasure_deletes_the_cards_and_the_export_lists_them_before(client, customer_id, sandbox):
    from omnicanal.customers import services as customers

    save_card(client, customer_id)
    exported = queries.export_customer(customer_id)["stored_cards"]
    assert [(c["card_type"], c["last4"]) for c in exported] == [("Visa", "6623")]
    assert "tbk_user" not in json.dumps(exported)
    with transaction.atomic():
        customers.do_erase_customer(customer=customer_id)
    assert not StoredCard.objects.exists() and queries.export_customer(customer_id)["stored_cards"] == []


@pytest.mark.django_db
def test_an_inscription_needs_an_email_and_a_signed_token(client, customer_id, sandbox):
    with pytest.raises(ValidationFailed) as failed:
        services.do_start_card_inscription(customer_id=customer_id, email="", return_base="http://testserver/")
    assert failed.value.errors[0].field == "email"
    # a second start replaces the first, unfinished one; the first's token then saves nothing
    first, second = (services.do_start_card_inscription(customer_id=customer_id, email="ana@example.cl",
                                                        return_base="http://testserver/") for _ in range(2))
    assert list(StoredCard.objects.values_list("token", flat=True)) == [second.token]
    assert client.post(oneclick.RETURN_PATH, {"TBK_TOKEN": first.token}).status_code == 404
    assert client.post(oneclick.RETURN_PATH, {"TBK_TOKEN": "f" * 64}).status_code == 404
    assert client.post(oneclick.RETURN_PATH, {"TBK_TOKEN": "<script>"}).status_code == 404


# --- the wire, over a real loopback server -------------------------------------------------------------


class Loopback:
    """The sandbox's REST side behind a real HTTP server on 127.0.0.1, recording the headers; it
    answers 401 to any key but KEY (as Transbank does to a wrong secret)."""

    KEY = "loopback-key"

    def __init__(self):
        self.headers: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.headers.append(dict(self.headers))
                if self.headers.get("Tbk-Api-Key-Secret") != Loopback.KEY:
                    answer = httpx.Response(401, json={"error_message": "Not Authorized"})
                else:
                    answer = oneclick_sandbox.handle(httpx.Request(self.command, f"http://x{self.path}",
                                                                   headers=dict(self.headers), content=raw))
                answer.read()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_the_client_speaks_http_with_transbank_s_headers_and_a_silent_transbank_is_a_503(settings, customer_id):
    cache.clear()
    server = Loopback()
    try:
        settings.OMNICANAL = {**settings.OMNICANAL, "ONECLICK": {
            "BASE_URL": server.url, "COMMERCE_CODE": "597055555541", "API_KEY": "loopback-key"}}
        redirect = services.do_start_card_inscription(customer_id=customer_id, email="ana@example.cl",
                                                      return_base="http://testserver/")
        assert redirect.url == oneclick_sandbox.PAGE
        sent = server.headers[-1]
        assert (sent["Tbk-Api-Key-Id"], sent["Tbk-Api-Key-Secret"], sent["Content-Type"]) == (
            "597055555541", "loopback-key", "application/json")
        settings.OMNICANAL = {**settings.OMNICANAL, "ONECLICK": {**settings.OMNICANAL["ONECLICK"],
                                                                 "API_KEY": "wrong"}}
        with pytest.raises(Problem):  # a 401 from Transbank: refused, nothing pending kept
            services.do_start_card_inscription(customer_id=customer_id, email="ana@example.cl",
                                               return_base="http://testserver/")
    finally:
        server.stop()
    with pytest.raises(ProviderUnavailable):  # nobody listens there any more
        services.do_start_card_inscription(customer_id=customer_id, email="ana@example.cl",
                                           return_base="http://testserver/")
    assert StoredCard.objects.count() == 1  # only the first, pending: its cardholder never came back

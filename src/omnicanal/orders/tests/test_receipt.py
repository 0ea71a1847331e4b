"""The POS's "receipt by email", end to end: the address is checked and joins the right profile in the
sale's transaction, and a real SMTP server receives the receipt (lines, IVA, total, payment) at
exactly the typed address, instead of the usual order confirmation."""

import email
import email.policy
import socket

import pytest
from django.apps import apps
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.models import OutboxEvent
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.orders import services
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, stock
from omnicanal.orders.tests.helpers import place

pytestmark = pytest.mark.django_db

CLERK = Principal(kind="user", id="9", name="clerk", role="store_staff", locations=frozenset({"SCL"}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(world):
    """A real SMTP server on loopback and an email inbox pointing at it (the channels app is looked up
    by label: orders sits below channels and never imports it)."""
    from aiosmtpd.controller import Controller

    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    apps.get_model("channel_adapters", "Inbox").objects.create(
        channel="email", name="Email", created_at=clock.now(), updated_at=clock.now(),
        config={"from_address": "ayuda@andessport.cl", "from_name": "Andes Sport", "webhook_secret": "s",
                "smtp_host": "127.0.0.1", "smtp_port": controller.port})
    yield sink
    controller.stop()


def sell(customer_id="", receipt_email="", lines=(("SHOE-40", 1), ("SOCK-1", 2)), payments=None):
    with transaction.atomic():
        return services.do_place_order(
            channel="pos", customer_id=customer_id, delivery={"method": "carry_out", "location": "SCL"},
            lines=[services.LineIn(s, q) for s, q in lines], actor=CLERK,
            payments=payments or [services.PaymentIn("cash")],
            contact={"receipt_email": receipt_email} if receipt_email else None)


def received(envelope):
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return message, message.get_body(preferencelist=("plain",)).get_content()


def test_the_receipt_reaches_the_typed_address_by_smtp_with_lines_iva_total_and_payment(
        smtp, django_capture_on_commit_callbacks):
    # given Ana, known by phone and her own email, buying at the SCL counter, who asks for the receipt
    # at another address
    ana = make_customer(phone="+56987654321", email="ana@example.cl")
    # when the clerk sells with "receipt by email"
    with django_capture_on_commit_callbacks(execute=True):
        order = sell(customer_id=ana, receipt_email=" Ana.Trabajo@Example.CL ",
                     payments=[services.PaymentIn("card")])
    # then exactly one email went, to exactly that address (normalized), and nothing else
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["ana.trabajo@example.cl"]
    message, body = received(envelope)
    assert message["To"] == "ana.trabajo@example.cl"
    assert message["Subject"] == f"Tu boleta del pedido {order.number} en Andes Sport"
    assert "Zapatilla Trail × 1: $50.000" in body and "Calcetín × 2: $10.000" in body
    assert "Total: $60.000" in body and "IVA incluido (19%): $9.580" in body
    assert "Pago: Tarjeta $60.000" in body and "Tienda: Tienda SCL" in body
    # the order and the address both belong to Ana; the message sits in her thread, marked sent
    assert order.customer_id == ana and order.contact["receipt_email"] == "ana.trabajo@example.cl"
    assert customers.find_by_identity("email", "ana.trabajo@example.cl").public_id == ana
    Message = apps.get_model("conversations", "Message")
    note = Message.objects.get()
    assert note.kind == "notification" and note.status == "sent" and note.address == "ana.trabajo@example.cl"
    assert note.conversation.customer_id == ana


def test_an_address_of_another_customer_still_gets_the_receipt_and_moves_nothing(
        smtp, django_capture_on_commit_callbacks):
    owner = make_customer(phone="+56998765432", email="familia@example.cl", name="Luis Soto")
    buyer = make_customer(phone="+56987654321", email="ana@example.cl")
    with django_capture_on_commit_callbacks(execute=True):
        order = sell(customer_id=buyer, receipt_email="familia@example.cl")
    assert order.customer_id == buyer and order.contact["receipt_outcome"] == "owned_by_another"
    assert customers.find_by_identity("email", "familia@example.cl").public_id == owner  # not moved
    assert apps.get_model("customers", "MergeSuggestion").objects.filter(status="open").count() == 1
    assert [m.rcpt_tos for m in smtp.messages] == [["familia@example.cl"]]
    assert apps.get_model("conversations", "Message").objects.get().conversation.customer_id == buyer


def test_an_anonymous_sale_belongs_to_the_address_and_an_english_reader_gets_english(
        smtp, django_capture_on_commit_callbacks):
    # an anonymous sale with an unknown address: a customer is created and the order is theirs
    with django_capture_on_commit_callbacks(execute=True):
        order = sell(receipt_email="nueva@example.cl", lines=[("SOCK-1", 1)])
    created = customers.find_by_identity("email", "nueva@example.cl")
    assert order.customer_id == created.public_id and order.contact["receipt_outcome"] == "created"
    assert received(smtp.messages[0])[0]["Subject"].startswith("Tu boleta")
    # an anonymous sale with a known address: the owner's order, in the owner's language
    with transaction.atomic():
        customer_services.do_update_preferences(customer_id=created.public_id, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        again = sell(receipt_email="NUEVA@example.cl", lines=[("SOCK-1", 1)])
    assert again.customer_id == created.public_id
    message, body = received(smtp.messages[1])
    assert message["Subject"] == f"Your receipt for order {again.number} at Andes Sport"
    assert "Calcetín × 1: $5.000" in body and "Paid with: Cash $5.000" in body


def test_an_invalid_address_refuses_the_sale_and_writes_nothing(world):
    counts = lambda: (Order.objects.count(), OutboxEvent.objects.count(),  # noqa: E731
                      apps.get_model("customers", "Customer").objects.count(), stock("SCL", "SHOE-40")["on_hand"])
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        sell(receipt_email="ana@@example")
    assert caught.value.status == 422 and [e.field for e in caught.value.errors] == ["receipt_email"]
    assert counts() == before


def test_the_api_takes_receipt_email_in_contact_and_refuses_a_bad_one_with_422(api, customer_id):
    bad = place(api, lines=[("SOCK-1", 1)], method="carry_out", location="SCL", channel="pos",
                payments=[{"method": "cash"}], contact={"receipt_email": "no-at-sign"})
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["receipt_email"]
    assert not Order.objects.exists()
    ok = place(api, lines=[("SOCK-1", 1)], method="carry_out", location="SCL", channel="pos",
               payments=[{"method": "cash"}], contact={"receipt_email": "Boleta@Example.cl"})
    assert ok.status_code == 201
    event = OutboxEvent.objects.get(topic="orders.OrderPlaced")
    assert event.payload["receipt_email"] == "boleta@example.cl"
    facts = event.payload["receipt"]
    assert facts["location_name"] == "Tienda SCL" and facts["lines"][0]["title"] == "Calcetín"
    assert facts["payments"] == [{"method": "cash", "amount": {"amount": "5000", "currency": "CLP"}}]
    assert facts["tax_lines"][0]["name"] == "IVA" and facts["placed_at"].endswith(("-03:00", "-04:00"))


def test_the_pos_page_says_where_the_receipt_went_or_why_the_sale_was_refused(client, world):
    from omnicanal.core.services import do_create_staff_user

    with transaction.atomic():
        user = do_create_staff_user(username="clerk-receipt", password="secret-pass", role="store_staff",
                                    locations=["SCL"])
    client.force_login(user)
    client.post("/console/orders/pos/", {"location": "SCL", "op": "add", "code": "SOCK-1"})
    # a bad address: the sale is refused with the field named, the basket kept, nothing written
    refused = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "cash",
                                                   "receipt_email": "ana@@example"}, follow=True).content.decode()
    assert "receipt_email" in refused and not Order.objects.exists()
    assert "SOCK-1" in refused  # still in the sale
    # a good one: the receipt card says where it went, in Spanish, with the print button
    sold = client.post("/console/orders/pos/", {"location": "SCL", "op": "sell", "payment": "cash",
                                                "receipt_email": "Boleta@Example.cl"}).content.decode()
    assert "Boleta enviada a boleta@example.cl" in sold and 'data-testid="receipt-print"' in sold
    order = Order.objects.get()
    assert order.customer_id == customers.find_by_identity("email", "boleta@example.cl").public_id

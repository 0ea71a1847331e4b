"""The notifier's receipt: OrderPlaced with receipt_email is emailed to exactly that address, in the
customer's language, and replaces the order confirmation (which still goes when the receipt cannot)."""

import email
import email.policy

import pytest
from django.db import transaction

from omnicanal.channels import notifier
from omnicanal.channels.tests.conftest import EMAIL, SMS, free_port
from omnicanal.channels.tests.test_notifier import emit, orders_event
from omnicanal.conversations.models import Message
from omnicanal.customers import services as customer_services

RECEIPT = {
    "placed_at": "2026-03-04T15:30:00-03:00", "location": "SCL", "location_name": "Andes Sport Providencia",
    "lines": [{"sku": "SHOE-40", "title": "Zapatilla Trail", "quantity": 1, "amount": {"amount": "50000", "currency": "CLP"}},
              {"sku": "SOCK-1", "title": "Calcetín", "quantity": 2, "amount": {"amount": "10000", "currency": "CLP"}}],
    "tax_lines": [{"name": "IVA", "rate": "19", "included": True, "amount": {"amount": "9580", "currency": "CLP"}}],
    "payments": [{"method": "card_present", "amount": {"amount": "60000", "currency": "CLP"}}],
}


def placed(customer_id, receipt_email, number="AS-100007"):
    return orders_event("OrderPlaced", order_id="ord_x", order_number=number, customer_id=customer_id,
                        channel="pos", delivery_method="carry_out", total={"amount": "60000", "currency": "CLP"},
                        lines=[], receipt_email=receipt_email, receipt=RECEIPT)


@pytest.fixture
def bruno(db):
    """Prefers SMS for transactional messages and has his own email on file."""
    with transaction.atomic():
        customer = customer_services.do_identify(channel="pos", identities=[
            {"kind": "phone", "value": "+56998765432", "verified": True},
            {"kind": "email", "value": "bruno@example.cl", "verified": True},
        ], traits={"name": "Bruno Díaz"}).customer_id
        customer_services.do_update_preferences(customer_id=customer, preferred_channels={"transactional": "sms"})
    return customer


def text_of(envelope):
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return message, message.get_body(preferencelist=("plain",)).get_content()


def test_the_receipt_goes_by_email_to_the_typed_address_instead_of_the_confirmation(
        bruno, make_inbox, smtp_server, twilio_server, deliver):
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    make_inbox("sms", base_url=twilio_server.url, **SMS)
    # when a sale carries a receipt address other than the one on file (another profile's, say)
    emit(deliver, placed(bruno, "familia@example.cl"))
    # then one email to exactly that address, and no confirmation by SMS (his preferred channel)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["familia@example.cl"]]
    assert not twilio_server.posts("/Messages.json")
    message, body = text_of(smtp_server.messages[0])
    assert message["Subject"] == "Tu boleta del pedido AS-100007 en Andes Sport"
    for expected in ("Hola Bruno", "Pedido: AS-100007", "Tienda: Andes Sport Providencia", "Fecha: 04-03-2026 15:30",
                     "Zapatilla Trail × 1: $50.000", "Calcetín × 2: $10.000", "IVA incluido (19%): $9.580",
                     "Total: $60.000", "Pago: Tarjeta $60.000"):
        assert expected in body, expected
    sent = Message.objects.get()
    assert (sent.channel, sent.status, sent.address, sent.kind) == ("email", "sent", "familia@example.cl", "notification")
    assert sent.conversation.customer_id == bruno  # the buyer's thread holds it


def test_english_readers_get_the_english_receipt(bruno, make_inbox, smtp_server, deliver):
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    with transaction.atomic():
        customer_services.do_update_preferences(customer_id=bruno, language="en")
    emit(deliver, placed(bruno, "bruno@example.cl"))
    message, body = text_of(smtp_server.messages[0])
    assert message["Subject"] == "Your receipt for order AS-100007 at Andes Sport"
    assert "Paid with: Card $60.000" in body and "VAT (IVA) included (19%): $9.580" in body


def test_without_an_email_inbox_the_usual_confirmation_goes_instead(bruno, make_inbox, twilio_server, deliver):
    make_inbox("sms", base_url=twilio_server.url, **SMS)
    emit(deliver, placed(bruno, "bruno@example.cl"))
    body = twilio_server.posts("/Messages.json")[0].form()["Body"]
    assert "AS-100007" in body and "recibimos tu pedido" in body


def test_without_a_receipt_address_the_confirmation_goes_as_before(bruno, make_inbox, smtp_server, twilio_server,
                                                                   deliver):
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    make_inbox("sms", base_url=twilio_server.url, **SMS)
    emit(deliver, placed(bruno, ""))
    assert not smtp_server.messages and len(twilio_server.posts("/Messages.json")) == 1


class _Refusing:
    """An SMTP server that refuses one mailbox (a typo at the counter)."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == "typo@example.cl":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


def test_a_refused_receipt_falls_back_to_the_confirmation_on_another_channel(bruno, make_inbox, twilio_server,
                                                                             deliver):
    from aiosmtpd.controller import Controller

    sink = _Refusing()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        make_inbox("email", smtp_host="127.0.0.1", smtp_port=controller.port, **EMAIL)
        make_inbox("sms", base_url=twilio_server.url, **SMS)
        emit(deliver, placed(bruno, "typo@example.cl"))
    finally:
        controller.stop()
    receipt, confirmation = Message.objects.order_by("pk")
    assert (receipt.channel, receipt.status, receipt.address) == ("email", "failed", "typo@example.cl")
    assert confirmation.channel == "sms" and "AS-100007" in twilio_server.posts("/Messages.json")[0].form()["Body"]
    assert not sink.messages


def test_the_receipt_template_exists_in_each_language():
    for language in ("es", "en"):
        rendered = notifier.render("receipt", language, {"order_number": "X", "business": "B", "total": "$1"})
        assert "X" in rendered.subject and "$1" in rendered.body

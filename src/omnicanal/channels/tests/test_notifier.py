import dataclasses

import pytest
from django.db import transaction

from omnicanal.channels import notifier
from omnicanal.channels.tests.conftest import EMAIL, SMS, WA
from omnicanal.conversations.models import Conversation, Message
from omnicanal.core import outbox
from omnicanal.customers import services as customer_services


def orders_event(name: str, **fields):
    """An event whose topic is "orders.<name>", as the future orders domain will emit it."""
    cls = dataclasses.make_dataclass(name, [(k, type(v)) for k, v in fields.items()], frozen=True)
    cls.__module__ = "omnicanal.orders.events"
    return cls(**fields)


@pytest.fixture
def camila(db):
    customer = customer_services.do_identify(channel="web", identities=[
        {"kind": "phone", "value": "+56987654321", "verified": True},
        {"kind": "email", "value": "camila.fuentes@example.cl", "verified": True},
    ], traits={"name": "Camila Fuentes", "language": "es"}).customer_id
    return customer


def emit(deliver, event):
    def run():
        with transaction.atomic():
            outbox.emit(event)

    deliver(run)


def test_shipped_goes_by_whatsapp_template_outside_the_window(camila, make_inbox, whatsapp_server, deliver):
    make_inbox("whatsapp", base_url=whatsapp_server.url, **WA,
               templates={"shipped": {"name": "pedido_en_camino", "language": "es_CL"}})
    emit(deliver, orders_event("FulfillmentShipped", customer_id=camila, order_number="A-10422",
                               carrier="Starken", tracking="ST123456"))
    body = whatsapp_server.posts("/messages")[0].json()
    assert body["type"] == "template" and body["to"] == "56987654321"
    assert body["template"]["name"] == "pedido_en_camino"
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == ["A-10422", "Starken", "ST123456"]
    message = Message.objects.get()
    assert message.kind == "notification" and message.author == "system" and message.status == "sent"
    assert Conversation.objects.get().status == "resolved"  # a notification does not fill the inbox


def test_without_an_approved_template_it_falls_back_to_email(camila, make_inbox, whatsapp_server, smtp_server, deliver):
    make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    emit(deliver, orders_event("FulfillmentReady", customer_id=camila, order_number="A-10422",
                               location_name="Andes Sport Valparaíso", pickup_code="4821"))
    assert not whatsapp_server.posts("/messages")
    sent = smtp_server.messages[0]
    assert sent.rcpt_tos == ["camila.fuentes@example.cl"]
    assert b"listo para retiro" in sent.content and b"4821" in sent.content


def test_a_withdrawn_channel_is_skipped_and_sms_is_kept_short(camila, make_inbox, twilio_server, smtp_server, deliver):
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    make_inbox("sms", base_url=twilio_server.url, **SMS)
    with transaction.atomic():
        customer_services.do_withdraw_consent(customer_id=camila, channel="email", purpose="transactional", source="test")
    emit(deliver, orders_event("OrderPlaced", customer_id=camila, order_id="ord_a10423", order_number="A-10423", channel="web",
                               total={"amount": "59990", "currency": "CLP"}))
    assert not smtp_server.messages
    body = twilio_server.posts("/Messages.json")[0].form()["Body"]
    assert "A-10423" in body and "$59.990" in body and len(body) <= notifier.SMS_LIMIT and "\n" not in body


def test_one_template_per_message_and_language_renders_each_format():
    rendered = notifier.render("refund_issued", "en", {"order_number": "A-1", "amount": "$5.000", "name": "Ana",
                                                       "business": "Andes Sport"})
    assert rendered.subject == "Your refund for order A-1 is on its way"
    assert rendered.body.startswith("Hi Ana, we issued a refund of $5.000")
    long = notifier.Rendered("s", "palabra " * 100)
    assert len(notifier.for_channel("sms", long)) == notifier.SMS_LIMIT
    for key in notifier.TOPICS.values():
        for language in ("es", "en"):
            assert notifier.render(key, language, {"order_number": "X"}).subject


def test_an_unknown_customer_is_skipped(db, deliver):
    emit(deliver, orders_event("RefundIssued", customer_id="cus_unknown", order_number="A-1"))
    assert not Message.objects.exists()


def test_a_notification_the_provider_refuses_goes_out_on_the_next_channel(camila, make_inbox, whatsapp_server,
                                                                          smtp_server, deliver):
    # given WhatsApp first (an approved template), but the provider refuses our token, and email behind it
    make_inbox("whatsapp", base_url=whatsapp_server.url, **{**WA, "access_token": "expired-token"},
               templates={"shipped": {"name": "pedido_en_camino", "language": "es_CL"}})
    make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)
    # when the order ships
    emit(deliver, orders_event("FulfillmentShipped", customer_id=camila, order_number="A-10424",
                               carrier="Starken", tracking="ST999"))
    # then WhatsApp was tried and failed, and the same news reached the customer by email, once
    whatsapp, email = Message.objects.order_by("pk")
    assert (whatsapp.channel, whatsapp.status) == ("whatsapp", "failed") and "401" in whatsapp.error
    assert (email.channel, email.status) == ("email", "sent")
    assert len(smtp_server.messages) == 1 and b"ST999" in smtp_server.messages[0].content
    assert email.meta["retry"]["tried"] == ["whatsapp", "email"]

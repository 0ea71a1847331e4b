import email
import email.policy
import json

import pytest
from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.email.text import html_to_text, strip_quoted
from omnicanal.channels.tests.conftest import EMAIL
from omnicanal.conversations import services
from omnicanal.conversations.models import Attachment, Conversation, Message
from omnicanal.core.models import OutboxEvent


@pytest.fixture
def inbox(make_inbox, smtp_server):
    return make_inbox("email", smtp_host=smtp_server.host, smtp_port=smtp_server.port, **EMAIL)


def post(client, body: bytes, content_type="message/rfc822", signature: str | None = "sign", path="/webhooks/email"):
    headers = {}
    if signature == "sign":
        signature = testing.omnicanal_signature(body, EMAIL["webhook_secret"])
    if signature is not None:
        headers["HTTP_X_OMNICANAL_SIGNATURE"] = signature
    return client.post(path, body, content_type=content_type, **headers)


@pytest.mark.parametrize("forgery, expected", [("flipped", 403), ("missing", 401), ("wrong secret", 403)])
def test_a_forged_email_changes_nothing(client, inbox, forgery, expected):
    body = testing.fixture("email/reply.eml")
    if forgery == "flipped":
        answer = post(client, body.replace(b"Perfecto", b"Perfectx"), signature=testing.omnicanal_signature(body, EMAIL["webhook_secret"]))
    elif forgery == "missing":
        answer = post(client, body, signature=None)
    else:
        answer = post(client, body, signature=testing.omnicanal_signature(body, "guess"))
    assert answer.status_code == expected
    assert not Message.objects.exists() and not OutboxEvent.objects.exists()


def test_raw_mime_is_read_threaded_and_stripped_of_the_quoted_history(client, inbox):
    assert post(client, testing.fixture("email/reply.eml")).status_code == 200
    message = Message.objects.get()
    assert message.text == "Perfecto, lo retiro el sábado en Valparaíso. Gracias!"
    assert message.address == "camila.fuentes@example.cl"
    assert message.external_id == "<CAF=3kq9x1Lw2pQ@mail.example.cl>"
    assert message.meta["in_reply_to"] == "<msg_01jxa1.outbound@andessport.cl>"
    assert message.meta["subject"] == "Re: Tu pedido A-10422"


def test_a_replayed_email_is_stored_once(client, inbox):
    body = testing.fixture("email/reply.eml")
    post(client, body)
    assert post(client, body).json()["duplicates"] == 1
    assert Message.objects.count() == 1


def test_json_email_html_only_email_and_attachments(client, inbox):
    assert post(client, testing.fixture("email/inbound.json"), content_type="application/json").status_code == 200
    post(client, testing.fixture("email/html_only.eml"))
    post(client, testing.fixture("email/with_attachment.eml"))
    texts = list(Message.objects.order_by("pk").values_list("text", flat=True))
    assert texts[0] == "Hola, ¿despachan a Puerto Varas?"
    assert texts[1] == "Hola,\n\nQuiero cambiar la talla de la parka que compré:\n\n• Parka Andes Pro, talla M\n\n• la necesito en L\n\nSaludos,\nJorge"
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("boleta.pdf", "application/pdf")
    with attachment.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")


def test_html_to_text_and_quote_stripping():
    assert html_to_text("<p>Hola<br>chao</p><script>x()</script><blockquote>old</blockquote>") == "Hola\nchao"
    assert strip_quoted("Gracias!\n\nOn Tue, 3 Jun 2025, Ana <a@x.cl> wrote:\n> antes") == "Gracias!"
    assert strip_quoted("> solo cita") == "> solo cita"


def test_round_trip_reply_goes_over_smtp_threaded(client, inbox, smtp_server, actor, deliver):
    deliver(post, client, testing.fixture("email/reply.eml"))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="¡Te esperamos!", actor=actor)
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["camila.fuentes@example.cl"]
    sent = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert sent["Subject"] == "Re: Tu pedido A-10422"
    assert sent["In-Reply-To"] == "<CAF=3kq9x1Lw2pQ@mail.example.cl>"
    assert "<msg_01jxa1.outbound@andessport.cl>" in sent["References"]
    assert sent.get_content().strip() == "¡Te esperamos!"
    reply.refresh_from_db()
    assert reply.status == "sent" and reply.external_id == sent["Message-ID"]


def test_a_customer_answer_to_our_email_joins_the_same_conversation(client, inbox, smtp_server, actor, deliver):
    deliver(post, client, testing.fixture("email/inbound.json"), content_type="application/json")
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Sí, en 3 días.", actor=actor)
    reply.refresh_from_db()
    answer = json.dumps({"from": "camila.fuentes@example.cl", "subject": "Re: Consulta por despacho", "text": "Genial",
                         "message_id": "<answer-1@example.cl>", "in_reply_to": reply.external_id}).encode()
    post(client, answer, content_type="application/json")
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 2


def test_a_notification_with_an_html_part_goes_as_text_and_html(inbox):
    # given a message whose meta carries an HTML part (a marketing campaign's email)
    from omnicanal.channels.email.adapter import compose
    from omnicanal.channels.services import _outbound
    from omnicanal.conversations import queries
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customer_id = customers.do_identify(channel="web", identities=[{"kind": "email", "value": "ana@example.cl"}]).customer_id
        message = services.do_notify(customer_id=customer_id, channel="email", text="Hola Ana", subject="Oferta",
                                     html="<p>Hola <b>Ana</b></p>", topic="marketing.campaign")
    # when it is composed for SMTP
    composed = compose(inbox, _outbound(queries.outbound(message.public_id)))
    # then the text and the HTML travel as alternatives
    assert composed.get_body(preferencelist=("plain",)).get_content().strip() == "Hola Ana"
    assert "<b>Ana</b>" in composed.get_body(preferencelist=("html",)).get_content()

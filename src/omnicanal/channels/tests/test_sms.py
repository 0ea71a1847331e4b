import pytest
from django.db import transaction

from omnicanal.channels import testing
from omnicanal.channels.sms import adapter
from omnicanal.channels.tests.conftest import SMS
from omnicanal.conversations import services
from omnicanal.conversations.models import Conversation, Message
from omnicanal.core.models import OutboxEvent
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services


@pytest.fixture
def inbox(make_inbox, twilio_server):
    return make_inbox("sms", base_url=twilio_server.url, **SMS)


def url(inbox) -> str:
    return f"http://testserver/webhooks/sms/{inbox.public_id}"


def post(client, inbox, body: bytes, signature: str | None = "sign", token: str = SMS["auth_token"]):
    headers = {}
    if signature == "sign":
        signature = testing.twilio_sign(url(inbox), body, token)
    if signature is not None:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(f"/webhooks/sms/{inbox.public_id}", body, content_type="application/x-www-form-urlencoded", **headers)


def test_the_signature_matches_twilios_documented_example():
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
              ("From", "+12349013030"), ("To", "+18005551212")]
    assert adapter.signature("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.parametrize("forgery, expected", [("flipped", 403), ("missing", 401), ("wrong token", 403), ("other url", 403)])
def test_a_forged_sms_changes_nothing(client, inbox, forgery, expected):
    body = testing.fixture("sms/inbound.txt")
    if forgery == "flipped":
        signature = testing.twilio_sign(url(inbox), body, SMS["auth_token"])
        answer = post(client, inbox, body.replace(b"Hola", b"Hole"), signature=signature)
    elif forgery == "missing":
        answer = post(client, inbox, body, signature=None)
    elif forgery == "wrong token":
        answer = post(client, inbox, body, token="not-the-token")
    else:
        answer = post(client, inbox, body, signature=testing.twilio_sign("https://elsewhere.example/sms", body, SMS["auth_token"]))
    assert answer.status_code == expected
    assert not Message.objects.exists() and not OutboxEvent.objects.exists()


def test_a_replayed_sms_is_stored_once_and_answered_with_twiml(client, inbox):
    body = testing.fixture("sms/inbound.txt")
    first, second = post(client, inbox, body), post(client, inbox, body)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"].startswith("text/xml") and b"<Response>" in first.content
    message = Message.objects.get()
    assert (message.text, message.address) == ("Hola, ¿mi pedido ya salió?", "+56987654321")


def test_the_configured_public_url_is_what_the_signature_covers(client, make_inbox, twilio_server):
    inbox = make_inbox("sms", base_url=twilio_server.url, webhook_url="https://ayuda.andessport.cl/webhooks/sms", **SMS)
    body = testing.fixture("sms/inbound.txt")
    signature = testing.twilio_sign("https://ayuda.andessport.cl/webhooks/sms", body, SMS["auth_token"])
    assert post(client, inbox, body, signature=signature).status_code == 200


def test_stop_by_sms_withdraws_marketing_consent_at_once(client, inbox):
    # given a customer who accepted marketing by SMS
    customer = customer_services.do_identify(channel="sms", identities=[{"kind": "phone", "value": "+56987654321"}]).customer
    customer_services.do_grant_consent(customer_id=customer.id, channel="sms", purpose="marketing", source="pos")
    assert customers.may_contact(customer.id, "sms", "marketing")
    # when they answer STOP
    assert post(client, inbox, testing.fixture("sms/stop.txt")).status_code == 200
    # then no marketing may be sent to them by SMS, right away
    assert not customers.may_contact(customer.id, "sms", "marketing")
    # and START (or ALTA) opts them back in
    body = testing.fixture("sms/stop.txt").replace(b"Body=STOP", b"Body=ALTA").replace(b"SM9c2a", b"SM9c2b")
    post(client, inbox, body)
    assert customers.may_contact(customer.id, "sms", "marketing")


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "baja"])
def test_every_opt_out_keyword_is_understood(client, inbox, word):
    body = testing.fixture("sms/stop.txt").replace(b"Body=STOP", f"Body={word}".encode())
    post(client, inbox, body)
    customer = customers.find_by_identity("phone", "+56987654321")
    assert not customers.may_contact(customer.public_id, "sms", "marketing")


def test_round_trip_inbound_reply_and_status_callback(client, inbox, twilio_server, actor, deliver):
    deliver(post, client, inbox, testing.fixture("sms/inbound.txt"))
    with transaction.atomic():
        reply = deliver(services.do_reply, conversation=Conversation.objects.get(), text="Sale mañana.", actor=actor)
    sent = twilio_server.posts("/Messages.json")
    assert len(sent) == 1
    assert sent[0].path == f"/2010-04-01/Accounts/{SMS['account_sid']}/Messages.json"
    assert sent[0].form() == {"To": "+56987654321", "From": "+56229401234", "Body": "Sale mañana."}
    reply.refresh_from_db()
    assert reply.status == "sent" and reply.external_id.startswith("SM")
    status = testing.fixture("sms/status_delivered.txt").replace(b"SMSID_PLACEHOLDER", reply.external_id.encode())
    assert post(client, inbox, status).status_code == 200
    reply.refresh_from_db()
    assert reply.status == "delivered"
    failed = testing.fixture("sms/status_undelivered.txt").replace(b"SMSID_PLACEHOLDER", reply.external_id.encode())
    post(client, inbox, failed)
    reply.refresh_from_db()
    assert reply.status == "delivered"  # a late failure report does not undo a delivery

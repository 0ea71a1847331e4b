"""The web chat widget on every shop page: the signed-in shopper vouched for by the server's HMAC
(channels.queries.webchat_embed), their messages landing in their own conversation; anonymous
visitors and /offline/ carry no identity; a forged hash is refused."""

import json
import re

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.channels.webchat import adapter as webchat
from omnicanal.conversations.models import Conversation, Message
from omnicanal.storefront.auth import COOKIE

SECRET = "shop-identity-secret"


@pytest.fixture
def chat(db, inboxes):
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        return do_create_inbox(channel="webchat", name="Web", config={"identity_secret": SECRET})


def tag(html: str) -> dict[str, str]:
    """The widget's script tag's attributes (empty when the page has none)."""
    found = re.search(r'<script src="[^"]*channels/webchat\.js"([^>]*)>', html)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', found.group(1))) if found else {}


def page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def signed_in_browser(device, **address) -> tuple[Client, str]:
    shopper = device()
    customer_id = shopper.sign_in(**address)
    browser = Client()
    browser.cookies[COOKIE] = shopper.token
    return browser, customer_id


def post(client, inbox_id, path, body):
    return client.post(f"/webchat/{inbox_id}/{path}", json.dumps(body), content_type="application/json")


def test_a_signed_in_shoppers_pages_carry_the_widget_with_their_email_and_the_servers_hmac(chat, device):
    browser, _customer = signed_in_browser(device, email="ana@example.cl")
    response = browser.get("/")
    html = response.content.decode()
    attrs = tag(html)
    assert attrs["data-inbox"] == chat.public_id
    assert attrs["data-email"] == "ana@example.cl"
    assert attrs["data-user-hash"] == webchat.shopper_hash(SECRET, "ana@example.cl")
    assert "async" in html.split("channels/webchat.js", 1)[1].split(">", 1)[0]  # never blocks rendering
    # The tag carries this answer's CSP nonce (the widget gives it to the <style> it adds).
    assert attrs["nonce"] and f"'nonce-{attrs['nonce']}'" in response.headers["Content-Security-Policy"]
    assert SECRET not in html
    assert tag(page(browser, "/account/"))["data-email"] == "ana@example.cl"  # every shop page


def test_an_anonymous_visitor_gets_the_widget_without_an_identity(chat, world):
    attrs = tag(page(Client()))
    assert attrs["data-inbox"] == chat.public_id
    assert "data-email" not in attrs and "data-user-hash" not in attrs


def test_the_offline_page_has_no_widget_and_no_inbox_means_no_widget(chat, device):
    browser, _customer = signed_in_browser(device, email="ana@example.cl")
    assert tag(page(browser, "/offline/")) == {}
    chat.active = False
    chat.save()
    assert tag(page(browser)) == {}


def test_a_shopper_signed_in_by_phone_only_chats_as_themselves(chat, device):
    browser, customer_id = signed_in_browser(device, phone="+56987651234")
    attrs = tag(page(browser))
    assert attrs["data-inbox"] == chat.public_id and "data-email" not in attrs
    assert attrs["data-phone"] == "+56987651234"
    assert attrs["data-user-hash"] == webchat.shopper_hash(SECRET, "+56987651234")
    widget = Client()
    session = post(widget, chat.public_id, "session", {"phone": attrs["data-phone"], "user_hash": attrs["data-user-hash"]})
    assert session.status_code == 200
    sent = post(widget, chat.public_id, "messages",
                {"token": session.json()["token"], "text": "Hola, soy yo por teléfono", "client_id": "p1"})
    assert sent.status_code == 202
    assert Conversation.objects.get(messages__text="Hola, soy yo por teléfono").customer_id == customer_id


def test_a_forged_phone_hash_or_a_number_that_is_not_e164_is_refused(chat, device):
    signed_in_browser(device, phone="+56987651234")
    widget = Client()
    forged = post(widget, chat.public_id, "session",
                  {"phone": "+56987651234", "user_hash": webchat.shopper_hash("a-guessed-secret", "+56987651234")})
    assert forged.status_code == 403
    # The shop always sends E.164; any other spelling is not vouched for, even with the right hash.
    local = post(widget, chat.public_id, "session",
                 {"phone": "987651234", "user_hash": webchat.shopper_hash(SECRET, "987651234")})
    assert local.status_code == 403
    before = Message.objects.count()
    plain = post(widget, chat.public_id, "session", {"phone": "+56987651234"}).json()  # no hash: a plain device
    assert webchat.read_token(plain["token"]).phone == ""
    assert Message.objects.count() == before


def test_a_message_sent_with_the_pages_identity_lands_in_the_shoppers_own_conversation(chat, device):
    browser, customer_id = signed_in_browser(device, email="ana@example.cl")
    attrs = tag(page(browser))
    widget = Client()  # the widget speaks to the webchat endpoints with what the page gave it
    session = post(widget, attrs["data-inbox"], "session",
                   {"email": attrs["data-email"], "user_hash": attrs["data-user-hash"], "lang": "es"})
    assert session.status_code == 200
    sent = post(widget, attrs["data-inbox"], "messages",
                {"token": session.json()["token"], "text": "¿Llegó mi pedido?", "client_id": "c1"})
    assert sent.status_code == 202
    conversation = Conversation.objects.get(messages__text="¿Llegó mi pedido?")
    assert conversation.customer_id == customer_id


def test_a_forged_identity_hash_is_refused_and_writes_nothing(chat, device):
    _browser, _customer = signed_in_browser(device, email="ana@example.cl")
    before = Message.objects.count()
    widget = Client()
    forged = post(widget, chat.public_id, "session",
                  {"email": "ana@example.cl", "user_hash": webchat.shopper_hash("a-guessed-secret", "ana@example.cl")})
    assert forged.status_code == 403
    # Without a hash the email is ignored: the visitor is a plain device, not Ana.
    plain = post(widget, chat.public_id, "session", {"email": "ana@example.cl"}).json()
    assert webchat.read_token(plain["token"]).email == ""
    assert Message.objects.count() == before

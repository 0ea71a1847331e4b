"""Storefront fixtures: the orders tests' small chain, sandboxed email/SMS inboxes (codes are
recorded, never sent) and a Store API client per device."""

import json
import re

import pytest
from django.db import transaction

from omnicanal.orders.tests.conftest import make_customer, make_world

STORE = "/api/store/v1"


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def inboxes(db):
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        for channel in ("email", "sms", "whatsapp"):
            do_create_inbox(channel=channel, name=channel, config={"sandbox": True})


@pytest.fixture
def ana(world):
    """A known customer (phone and email, unverified as the orders fixtures make her)."""
    return make_customer()


class Device:
    """One shopper device speaking the Store API with its own session token."""

    def __init__(self, client, channel="web"):
        self.client = client
        response = client.post(f"{STORE}/sessions", json.dumps({"channel": channel}), content_type="application/json")
        assert response.status_code == 201, response.content
        self.token = response.json()["token"]

    def _headers(self, headers=None):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        for key, value in (headers or {}).items():
            extra[f"HTTP_{key.upper().replace('-', '_')}"] = value
        return extra

    def get(self, path, **params):
        return self.client.get(f"{STORE}{path}", params, **self._headers())

    def send(self, method, path, body=None, headers=None):
        data = json.dumps(body) if body is not None else ""
        return getattr(self.client, method)(f"{STORE}{path}", data, content_type="application/json",
                                            **self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.send("post", path, body, headers)

    def put(self, path, body=None):
        return self.send("put", path, body)

    def delete(self, path):
        return self.send("delete", path)

    def add(self, sku, quantity):
        response = self.put("/cart/lines", {"sku": sku, "quantity": quantity})
        assert response.status_code == 200, response.content
        return response.json()

    def sign_in(self, **address):
        """Ask for a code, read it from the sandboxed outbound message, verify it."""
        asked = self.post("/sessions/code", address)
        assert asked.status_code == 202, asked.content
        response = self.post("/sessions/verify", {**address, "code": last_code()})
        assert response.status_code == 200, response.content
        return response.json()["customer_id"]


@pytest.fixture
def device(client, world):
    """device(channel="web") -> a new Device (each one its own session)."""
    from django.test import Client

    def make(channel="web"):
        return Device(Client(), channel)

    return make


def last_code(address=None):
    """The code in the newest sign-in message (optionally: sent to `address`), as the console's
    outbound log shows it."""
    from omnicanal.conversations.models import Message

    messages = Message.objects.filter(direction="out", meta__notification="storefront.sign_in_code")
    if address:
        messages = messages.filter(address=address)
    message = messages.order_by("-pk").first()
    assert message is not None, "no sign-in code was sent"
    return re.search(r"\b(\d{6})\b", message.text).group(1)


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(_chromium):
    """A phone (390x844, touch, Spanish) in Debian's chromium, for the shop's browser tests."""
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()

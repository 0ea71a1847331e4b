"""Bot fixtures: the orders world (stores, shoes, a customer), a sized product in a named store,
WhatsApp and Telegram inboxes with the bot on, and webhook posts in the providers' formats. The
loopback provider servers, `deliver` and the agent are the channels tests' own (channels/tests/plugin.py)."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import transaction

from omnicanal.bot import nlu
from omnicanal.bot.nlu import entities
from omnicanal.channels import testing
from omnicanal.channels.tests.plugin import *  # noqa: F403  (loopback servers, deliver, the agent: shared, not copied)
from omnicanal.channels.tests.plugin import TG, WA, create_inbox
from omnicanal.orders.tests.conftest import make_customer, make_world

_ids = itertools.count(1)


@pytest.fixture
def world(db):
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.core.money import Money
    from omnicanal.inventory import services as inventory

    locs = make_world()
    with transaction.atomic():
        running = catalog.do_ensure_category(ref="running")
        catalog.do_create_product(name_es="Zapatilla Pegasus", category=running, price=Money.of("89990"),
                                  variants=[VariantSpec(sku=f"PEG-{s}", attributes={"size": s}) for s in ("41", "42")])
        locs["PRO"] = inventory.do_create_location(
            code="PRO", name="Tienda Providencia", kind="store", capabilities=["ship", "pickup", "returns"],
            lat=-33.4263, lon=-70.6147, opening_hours={"mon-sun": "00:00-23:59"},
            address={"line1": "Av. Providencia 2100", "city": "Santiago"})
        inventory.do_receive_stock(location=locs["PRO"], lines=[("PEG-42", 2)])
    return locs


@pytest.fixture
def ana(world):
    """A known customer: her phone is her WhatsApp number."""
    return make_customer()


@pytest.fixture
def make_inbox(db):
    """An inbox with the bot turned on (it is off until staff turn it on)."""
    from omnicanal.bot import services as bot
    from omnicanal.core.auth import SYSTEM

    def make(channel: str, **config):
        with transaction.atomic():
            inbox = create_inbox(channel, **config)
            bot.do_save_settings(inbox_id=inbox.public_id, enabled=True, actor=SYSTEM)
            return inbox

    return make


@pytest.fixture
def wa_inbox(make_inbox, whatsapp_server):
    return make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)


@pytest.fixture
def tg_inbox(make_inbox, telegram_server):
    return make_inbox("telegram", base_url=telegram_server.url, **TG)


def whatsapp_body(text: str, sender: str = "56987654321", name: str = "Ana Pérez") -> bytes:
    message = {"from": sender, "id": f"wamid.IN{next(_ids):08d}", "timestamp": "1749416383", "type": "text",
               "text": {"body": text}}
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "56229401234",
                                                           "phone_number_id": WA["phone_number_id"]},
             "contacts": [{"profile": {"name": name}, "wa_id": sender}], "messages": [message]}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}).encode()


def telegram_body(text: str, user_id: int = 5120934871, first_name: str = "Tomás") -> bytes:
    n = next(_ids)
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "es"}
    return json.dumps({"update_id": 734500000 + n, "message": {
        "message_id": n, "from": user, "chat": {"id": user_id, "first_name": first_name, "type": "private"},
        "date": 1749416383, "text": text}}).encode()


@pytest.fixture
def whatsapp(client, wa_inbox, whatsapp_server, deliver):
    """Send a WhatsApp text through the real webhook; the texts the bot sent back to that number."""

    def say(text: str, sender: str = "56987654321") -> list[str]:
        before = len(whatsapp_server.posts("/messages"))
        body = whatsapp_body(text, sender)
        answer = deliver(client.post, "/webhooks/whatsapp", body, content_type="application/json",
                         HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))
        assert answer.status_code == 200
        sent = [r.json() for r in whatsapp_server.posts("/messages")[before:]]
        return [s["text"]["body"] for s in sent if s.get("to") == sender and s.get("type") == "text"]

    return say


@pytest.fixture
def telegram(client, tg_inbox, telegram_server, deliver):
    def say(text: str, user_id: int = 5120934871) -> list[str]:
        before = len(telegram_server.posts("/sendMessage"))
        answer = deliver(client.post, f"/webhooks/telegram/{tg_inbox.public_id}", telegram_body(text, user_id),
                         content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=TG["secret_token"])
        assert answer.status_code == 200
        return [json.loads(r.body)["text"] for r in telegram_server.posts("/sendMessage")[before:]]

    return say


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test's catalog and locations are its own: drop the process-wide name indexes."""
    entities.forget()
    yield
    entities.forget()


@pytest.fixture
def shipped_model():
    """A test that retrains gets the shipped-examples model back afterwards."""
    yield
    nlu.reset()


@pytest.fixture
def shop(db):
    """Two running shoes, a helmet and three locations, created through their owners' services."""
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.core.money import Money
    from omnicanal.inventory import services as inventory

    catalog.do_ensure_default_channels()
    shoes = catalog.do_ensure_category(ref="zapatillas")
    for handle, es, en, skus in (
        ("zapatilla-pampa", "Zapatilla de running Cóndor Pampa", "Cóndor Pampa running shoe", ("ZR-PAMPA-41", "ZR-PAMPA-42")),
        ("zapatilla-salar", "Zapatilla de trail Huemul Salar", "Huemul Salar trail shoe", ("ZT-SALAR-40",)),
        ("casco-urbano", "Casco Volcán Urbano", "Volcán Urbano helmet", ("CA-URB-NEG",)),
    ):
        catalog.do_create_product(name_es=es, name_en=en, category=shoes, price=Money.of("59990"), handle=handle,
                                  variants=[VariantSpec(sku=s) for s in skus])
    for code, name, city in (("SCL-CENTRO", "Andes Sport Santiago Centro", "Santiago"),
                             ("VAP-PLAZA", "Andes Sport Valparaíso", "Valparaíso"),
                             ("CCP-MALL", "Andes Sport Concepción", "Concepción")):
        inventory.do_create_location(code=code, name=name, kind="store", capabilities=["pickup"],
                                     address={"line1": "Av. Test 1", "city": city, "region": "RM", "country": "CL"})

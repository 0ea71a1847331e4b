"""A message saves only the columns it changes on its conversation (services/receive.py, NOTED):
whatever _note_message sets must be among them, or it would be lost."""

import datetime as dt
from types import SimpleNamespace

from omnicanal.conversations.contract import IdentityRef, InboundMessage
from omnicanal.conversations.models import Conversation
from omnicanal.conversations.services.receive import NOTED, _note_message


def test_every_column_a_message_changes_is_saved():
    conversation = Conversation(customer_id="cus_1", status="open", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    before = {f.attname: getattr(conversation, f.attname) for f in Conversation._meta.concrete_fields}
    inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", "+56987650001"),), text="hola",
                             external_id="wamid.X", address="+56987650001", name="Cliente", inbox_id="inb_1",
                             language="es", store="santiago", meta={"subject": "Mi pedido"})
    _note_message(conversation, inbound, SimpleNamespace(customer=SimpleNamespace(language="en")),
                  dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    changed = {name for name, value in before.items() if getattr(conversation, name) != value}
    assert changed and changed <= set(NOTED)
    assert {"status", "reopens", "snoozed_until", "resolved_at"} <= set(NOTED)  # the reopening's

"""Issue 13, least privilege: an integration key reaches conversations only with the
`conversations` scope, and never reads internal notes, whatever its scopes."""

import pytest

from omnicanal.conversations.tests.test_api import inbound

pytestmark = pytest.mark.django_db

NOTE = "Nota interna: cliente conflictivo, no ofrecer descuento"


def test_an_integration_never_sees_internal_notes(api, issue_key):
    # given a conversation with a customer message, an internal note and a reply
    conversation_id = inbound(api, text="¿Dónde está mi pedido?").json()["conversation_id"]
    assert api.post(f"/conversations/{conversation_id}/messages", {"text": NOTE, "private": True}).status_code == 201
    assert api.post(f"/conversations/{conversation_id}/messages", {"text": "Llega mañana."}).status_code == 201
    # when an integration key holding every scope reads it
    every_scope = ["orders", "catalog", "stock", "customers-pii", "conversations"]
    body = api.as_(issue_key("integration", scopes=every_scope)).get(f"/conversations/{conversation_id}").json()
    # then the note is not there, the rest is
    assert NOTE not in str(body)
    assert [m["text"] for m in body["messages"]] == ["¿Dónde está mi pedido?", "Llega mañana."]
    assert not any(m["private"] for m in body["messages"])
    # while an agent still reads it
    agent = api.as_(issue_key("agent")).get(f"/conversations/{conversation_id}").json()
    assert NOTE in [m["text"] for m in agent["messages"]]


def test_an_integration_without_the_conversations_scope_is_refused(api, issue_key):
    # given a conversation, and an integration key with the default scopes (orders, catalog, stock)
    conversation_id = inbound(api).json()["conversation_id"]
    key = api.as_(issue_key("integration"))
    # then every conversations endpoint answers 403 problem+json
    for answer in (key.get("/conversations"), key.get(f"/conversations/{conversation_id}"), key.get("/tickets"),
                   inbound(key, external_id="mkt-2")):
        assert answer.status_code == 403
        assert answer.json()["type"] == "/problems/forbidden"
    # and with the scope it reads them
    scoped = api.as_(issue_key("integration", scopes=["conversations"]))
    assert scoped.get(f"/conversations/{conversation_id}").status_code == 200

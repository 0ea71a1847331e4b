import pytest

from omnicanal.conversations.models import Conversation, Message


def inbound(api, text="Hola", value="+56987654321", external_id="mkt-1", channel="marketplace", kind="marketplace"):
    return api.post("/messages/inbound", {"channel": channel, "identities": [{"kind": kind, "value": value}],
                                          "text": text, "external_id": external_id})


def test_inbound_on_a_generic_channel_answers_202_with_the_conversation(api):
    answer = inbound(api)
    assert answer.status_code == 202
    body = answer.json()
    assert body["conversation_id"].startswith("cnv_") and body["customer_id"].startswith("cus_")
    again = inbound(api)
    assert again.json()["duplicate"] is True and Message.objects.count() == 1


def test_get_a_conversation_with_its_messages(api):
    conversation_id = inbound(api, text="¿Llega antes del viernes?").json()["conversation_id"]
    listing = api.get("/conversations?status=open").json()
    assert [c["id"] for c in listing["items"]] == [conversation_id]
    body = api.get(f"/conversations/{conversation_id}").json()
    assert body["status"] == "open" and body["assignee"] is None and body["ticket"] is None
    assert body["messages"][0]["direction"] == "in" and body["messages"][0]["channel"] == "marketplace"
    assert body["messages"][0]["text"] == "¿Llega antes del viernes?" and body["messages"][0]["author"] == "customer"


def test_a_reply_goes_out_on_the_channel_the_customer_last_wrote_from(api):
    conversation_id = inbound(api).json()["conversation_id"]
    answer = api.post(f"/conversations/{conversation_id}/messages", {"text": "Sí, llega el jueves."})
    assert answer.status_code == 201
    assert answer.json()["channel"] == "marketplace" and answer.json()["direction"] == "out"
    messages = api.get(f"/conversations/{conversation_id}").json()["messages"]
    assert [m["direction"] for m in messages] == ["in", "out"]


def test_bad_input_is_a_clear_problem_and_writes_nothing(api):
    conversation_id = inbound(api).json()["conversation_id"]
    empty = api.post(f"/conversations/{conversation_id}/messages", {"text": "  "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"
    bad_kind = api.post("/messages/inbound", {"channel": "marketplace", "identities": [{"kind": "fax", "value": "1"}],
                                              "text": "x", "external_id": "z"})
    assert bad_kind.status_code == 422
    no_channel = api.post(f"/conversations/{conversation_id}/messages", {"text": "hola", "channel": "telegram"})
    assert no_channel.status_code == 422
    assert api.get("/conversations/cnv_nope").status_code == 404
    assert Message.objects.count() == 1


@pytest.mark.parametrize("role, scopes, expected", [("marketer", None, 403), ("integration", ["conversations"], 202),
                                                   ("integration", None, 403)])
def test_roles(api, issue_key, role, scopes, expected):
    # an integration key needs the `conversations` scope (issue 13: scopes; default keys lack it)
    assert inbound(api.as_(issue_key(role, scopes=scopes))).status_code == expected


def test_tickets_through_the_api(api):
    conversation_id = inbound(api).json()["conversation_id"]
    ticket = api.post(f"/conversations/{conversation_id}/tickets", {"category": "delivery", "order_ref": "A-10422"})
    assert ticket.status_code == 201 and ticket.json()["number"].startswith("T-")
    assert api.get(f"/conversations/{conversation_id}").json()["ticket"]["order_ref"] == "A-10422"
    moved = api.put(f"/tickets/{ticket.json()['id']}", {"status": "closed"})
    assert moved.status_code == 409 and moved.json()["type"] == "/problems/invalid-transition"
    assert api.post(f"/conversations/{conversation_id}/resolve").json()["status"] == "resolved"
    assert Conversation.objects.get().status == "resolved"


def test_an_inbound_message_on_an_unknown_channel_is_refused_on_the_channel_field(api):
    answer = inbound(api, channel="fax", kind="phone", value="+56987654321")
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"].endswith("/validation") and [e["field"] for e in body["errors"]] == ["channel"]
    assert api.get("/conversations?customer_id=&status=all").json()["items"] == []  # nothing was written

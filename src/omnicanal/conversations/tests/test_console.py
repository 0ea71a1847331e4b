import pytest

from omnicanal.conversations.models import CannedReply, Message, Ticket


@pytest.fixture
def signed_in(client, make_agent):
    user = make_agent("valentina")
    client.force_login(user)
    return user


def test_the_inbox_lists_and_opens_a_thread_with_the_customer_beside_it(client, signed_in, receive):
    conversation = receive("¿Tienen talla 38?", name="Camila Fuentes").conversation
    page = client.get("/console/conversations/")
    assert page.status_code == 200 and b"Camila Fuentes" in page.content
    thread = client.get(f"/console/conversations/{conversation.public_id}/")
    assert thread.status_code == 200
    assert "¿Tienen talla 38?".encode() in thread.content and b"+56987654321" in thread.content
    for view in ("mine", "unassigned", "team", "sla", "all"):
        assert client.get(f"/console/conversations/list/?view={view}&status=open").status_code == 200


def test_the_composer_replies_adds_notes_and_fills_canned_replies(client, signed_in, receive):
    conversation = receive("Hola", name="Camila Fuentes").conversation
    CannedReply.objects.create(shortcut="saludo", title="Saludo", language="es",
                               body="¡Hola {{ customer.first_name }}! Soy {{ agent.first_name }}.")
    page = client.get(f"/console/conversations/{conversation.public_id}/")
    assert "¡Hola Camila! Soy Valentina.".encode() in page.content
    client.post(f"/console/conversations/{conversation.public_id}/reply/", {"text": "¡Hola Camila!", "channel": "whatsapp"},
                HTTP_HX_REQUEST="true")
    client.post(f"/console/conversations/{conversation.public_id}/reply/", {"text": "VIP", "note": "1"}, HTTP_HX_REQUEST="true")
    out = list(Message.objects.filter(direction="out").order_by("pk").values_list("text", "private", "author_user"))
    assert out == [("¡Hola Camila!", False, signed_in.pk), ("VIP", True, signed_in.pk)]


def test_actions_from_the_thread(client, signed_in, receive):
    conversation = receive("Hola").conversation
    base = f"/console/conversations/{conversation.public_id}"
    client.post(f"{base}/assign/", {"assignee": "me"}, HTTP_HX_REQUEST="true")
    client.post(f"{base}/status/", {"action": "priority", "priority": "high"}, HTTP_HX_REQUEST="true")
    client.post(f"{base}/status/", {"action": "tag", "tag": "talla"}, HTTP_HX_REQUEST="true")
    client.post(f"{base}/ticket/", {"category": "product", "order_ref": "A-1"}, HTTP_HX_REQUEST="true")
    client.post(f"{base}/status/", {"action": "resolve"}, HTTP_HX_REQUEST="true")
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.priority, conversation.status) == (signed_in, "high", "resolved")
    assert Ticket.objects.get().order_ref == "A-1"
    assert client.get("/console/conversations/tickets/").status_code == 200


def test_a_problem_shows_in_the_thread_instead_of_failing(client, signed_in, receive):
    conversation = receive("Hola").conversation
    answer = client.post(f"/console/conversations/{conversation.public_id}/reply/", {"text": ""}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and b'role="alert"' in answer.content
    assert not Message.objects.filter(direction="out").exists()


def test_a_marketer_may_not_open_the_inbox(client, make_agent):
    from omnicanal.core.services import do_create_staff_user

    client.force_login(do_create_staff_user(username="mkt", password="secret-pass", role="marketer"))
    assert client.get("/console/conversations/").status_code == 403


def test_the_customer_360_gets_a_conversations_panel_and_summary(rf, receive):
    from omnicanal.customers import registry

    received = receive("Hola")
    panel = next(p for p in registry.panels() if p.name == "conversations")
    html = panel.render(rf.get("/"), received.customer_id)
    assert received.conversation.public_id in html
    summary = registry.summary("open_conversation", received.customer_id)
    assert summary["id"] == received.conversation.public_id and summary["channel"] == "whatsapp"

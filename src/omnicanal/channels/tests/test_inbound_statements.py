"""What one inbound WhatsApp message costs the database: the webhook's one transaction (verify,
store, dedupe) and then its reactions (outbox handlers), counted statement by statement so a change
that adds round trips to the hot path fails here (bench/bench_inbound.py prints the same counts)."""

import json

import pytest

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import WA
from omnicanal.conversations.models import Message

pytestmark = pytest.mark.django_db


def _body(n: int, phone: str = "56987654321") -> bytes:
    body = json.loads(testing.fixture("whatsapp/text.json"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.STATEMENTS{n:06d}"
    message["from"] = phone
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = phone
    return json.dumps(body).encode()


def _post(client, body: bytes):
    return client.post("/webhooks/whatsapp", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, WA["app_secret"]))


@pytest.fixture
def inbox(make_inbox, whatsapp_server):
    return make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)


# Today's counts on SQLite (PostgreSQL adds its pool's connection check and, per batch, the topic's
# advisory lock): the webhook's request 24 statements for a new customer (customer, identities,
# timeline, a new conversation and its routing), 12 for a returning one (inbox, dedupe, identity,
# conversation lock, message, conversation, ticket, outbox event, savepoints), 4 for a replay; its
# reactions (push, bot turn, unsolicited feedback, analytics' recount of the conversation in the
# worker: its note locked, its facts read, its cells in one upsert, about 10 / 7; the outbox's
# bookkeeping) about 65 / 42. Caps a little above each.
WEBHOOK_NEW, WEBHOOK_RETURNING, WEBHOOK_REPLAY = 26, 13, 4
REACTIONS_NEW, REACTIONS_RETURNING = 68, 45


def _measure(client, body: bytes, capture, webhook_cap: int, reactions_cap: int, assert_max) -> tuple[list, list]:
    """The statements of the webhook's request, then those of what its commit triggers."""
    with capture(execute=False) as callbacks, assert_max(webhook_cap) as webhook:
        assert _post(client, body).status_code == 200
    with assert_max(reactions_cap) as reactions:
        for callback in callbacks:
            callback()
    return webhook.captured_queries, reactions.captured_queries


def test_an_inbound_message_costs_a_capped_number_of_statements(
        client, inbox, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    capture, cap = django_capture_on_commit_callbacks, django_assert_max_num_queries
    _measure(client, _body(1), capture, WEBHOOK_NEW, REACTIONS_NEW, cap)
    webhook, _reactions = _measure(client, _body(2), capture, WEBHOOK_RETURNING, REACTIONS_RETURNING, cap)
    # a known sender is resolved by one indexed lookup (identity joined to its customer)
    assert len([q for q in webhook if "customers_" in q["sql"]]) == 1
    replay, reactions = _measure(client, _body(2), capture, WEBHOOK_REPLAY, 0, cap)
    assert reactions == [] and Message.objects.count() == 2


# The two-step path (conversations/services/accept.py), on wherever the channel layer is shared: the
# request keeps the delivery and its event (SQLite: two statements and the savepoint's; PostgreSQL:
# one statement) after the inbox's lookup; the worker's batch stores it (a batch of one here: a
# batch of many shares the identification and the bookkeeping).
QUEUED_WEBHOOK, QUEUED_REPLAY = 5, 4
QUEUED_REACTIONS_NEW, QUEUED_REACTIONS_RETURNING = 42, 28


def test_a_kept_message_costs_the_request_a_few_statements(
        client, inbox, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    settings.OMNICANAL = {**settings.OMNICANAL, "INBOUND_QUEUE": "on"}
    capture, cap = django_capture_on_commit_callbacks, django_assert_max_num_queries
    webhook, _reactions = _measure(client, _body(1), capture, QUEUED_WEBHOOK, QUEUED_REACTIONS_NEW, cap)
    # nothing of the customer or the thread is read or written in the request (the stored messages'
    # provider ids are read, inside the one INSERT, for the dedupe)
    assert not [q for q in webhook if "customers_" in q["sql"] or "INSERT INTO conversations_message" in q["sql"]]
    _measure(client, _body(2), capture, QUEUED_WEBHOOK, QUEUED_REACTIONS_RETURNING, cap)
    _replay, reactions = _measure(client, _body(2), capture, QUEUED_REPLAY, 0, cap)
    assert reactions == [] and Message.objects.count() == 2


def test_a_whatsapp_delivery_is_read_as_json_once(client, inbox, monkeypatch):
    """Choosing the inbox (its phone number id) and parsing the messages share one JSON read."""
    from omnicanal.core import request_limits

    reads = []
    real = request_limits.loads
    monkeypatch.setattr(request_limits, "loads", lambda body, *args, **kwargs: reads.append(body) or real(body, *args, **kwargs))
    answer = _post(client, _body(7))
    assert answer.status_code == 200 and answer.json()["received"] == 1
    assert len(reads) == 1

"""The two-step inbound path (conversations/services/accept.py, docs/inbox.md "Where a message is
stored"): the webhook keeps a verified message with one statement and answers; the worker stores it
in the customer's conversation, in order, once. On whenever the channel layer is shared (Redis);
these tests turn it on with the in-memory layer and run the worker's task as huey does in tests
(immediate), through the commit callbacks."""

import dataclasses
import datetime as dt
import json

import pytest

from omnicanal.channels import testing
from omnicanal.channels.tests.conftest import WA
from omnicanal.conversations.models import AgentProfile, Attachment, Conversation, InboundDelivery, Message
from omnicanal.conversations.services.accept import do_purge_tombstones
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.testing import hot_statements

pytestmark = pytest.mark.django_db

ACCEPTED = "conversations.InboundAccepted"


@pytest.fixture(autouse=True)
def _queued(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "INBOUND_QUEUE": "on"}


@pytest.fixture(autouse=True)
def _one_lane(monkeypatch):
    """These tests are about one drain's batch: the topic in one lane here, whatever the senders (its
    two lanes, one per sender partition: test_inbound_lanes.py)."""
    from omnicanal.core import outbox

    monkeypatch.setitem(outbox._handlers, ACCEPTED, [dataclasses.replace(r, lanes=1) for r in outbox._handlers[ACCEPTED]])


@pytest.fixture
def inbox(make_inbox, whatsapp_server):
    return make_inbox("whatsapp", base_url=whatsapp_server.url, **WA)


def _body(n: int, phone: str = "56987654321", text: str = "") -> bytes:
    body = json.loads(testing.fixture("whatsapp/text.json"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.QUEUE{n:06d}"
    message["from"] = phone
    if text:
        message["text"]["body"] = text
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = phone
    return json.dumps(body).encode()


def post(client, body: bytes, secret: str = WA["app_secret"]):
    return client.post("/webhooks/whatsapp", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=testing.hub_signature(body, secret))


def test_the_webhook_keeps_the_message_and_the_worker_stores_it(client, inbox, django_capture_on_commit_callbacks):
    # when a signed message arrives
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = post(client, _body(1))
    # then it is acknowledged once kept: the delivery and its event, no message in a thread yet
    assert answer.status_code == 200 and answer.json() == {"received": 1, "duplicates": 0, "statuses": 0}
    delivery = InboundDelivery.objects.get()
    assert (delivery.channel, delivery.external_id) == ("whatsapp", "wamid.QUEUE000001")
    assert OutboxEvent.objects.get(topic=ACCEPTED).status == OutboxStatus.PENDING
    assert not Message.objects.exists()
    # when the worker runs
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    # then the message is in the customer's conversation and MessageReceived follows (bot, feedback)
    message = Message.objects.get()
    assert message.text.startswith("Hola") and message.conversation.last_channel == "whatsapp"
    # and the delivery, its work done, keeps none of the customer's words: a tombstone holding the
    # provider's id a minute more (services/accept.py, "Why a tombstone"), then gone
    tombstone = InboundDelivery.objects.get()
    assert tombstone.payload == {} and tombstone.stored_at is not None
    assert do_purge_tombstones(at=tombstone.stored_at + dt.timedelta(seconds=59)) == 0
    assert do_purge_tombstones(at=tombstone.stored_at + dt.timedelta(seconds=61)) == 1
    assert not InboundDelivery.objects.exists()
    assert OutboxEvent.objects.get(topic=ACCEPTED).status == OutboxStatus.DONE
    received = OutboxEvent.objects.get(topic="conversations.MessageReceived")
    assert received.payload["message_id"] == message.public_id and received.payload["new_conversation"] is True


def test_a_replay_is_refused_at_the_door_before_the_worker_ran(client, inbox, deliver):
    with pytest.MonkeyPatch.context() as patch:
        # the worker has not run yet when the provider retries
        patch.setattr("omnicanal.core.outbox._worker_entry", lambda event_id: None)
        patch.setattr("omnicanal.core.outbox._priority_entry", lambda topic: None)  # the store's lane
        first, second = post(client, _body(1)), post(client, _body(1))
    assert first.json()["received"] == 1 and second.json() == {"received": 0, "duplicates": 1, "statuses": 0}
    assert InboundDelivery.objects.count() == 1 and OutboxEvent.objects.filter(topic=ACCEPTED).count() == 1
    # and a replay after the worker stored it (its delivery gone) is refused by the stored message
    deliver(post, client, _body(2))
    assert deliver(post, client, _body(2)).json()["duplicates"] == 1
    assert Message.objects.filter(external_id="wamid.QUEUE000002").count() == 1
    assert OutboxEvent.objects.filter(topic=ACCEPTED).count() == 2


def test_a_forgery_keeps_nothing(client, inbox):
    answer = post(client, _body(1), secret="not-the-app-secret")
    assert answer.status_code == 403
    assert not InboundDelivery.objects.exists() and not OutboxEvent.objects.exists()


def test_a_batch_is_stored_in_the_order_it_came_one_conversation_per_customer(client, inbox, deliver,
                                                                               django_capture_on_commit_callbacks):
    # given the worker is busy while six messages of two customers arrive
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(6):
            post(client, _body(n, phone="56987650001" if n % 2 else "56987650002", text=f"mensaje {n}"))
    # when it drains them (one batch)
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    # then each customer has one conversation with their messages in order
    assert Conversation.objects.count() == 2
    for conversation in Conversation.objects.all():
        texts = list(conversation.messages.order_by("created_at", "pk").values_list("text", flat=True))
        assert texts == sorted(texts) and len(texts) == 3
        assert conversation.message_count == 3
    assert OutboxEvent.objects.filter(topic="conversations.MessageReceived").count() == 6
    assert not OutboxEvent.objects.filter(topic=ACCEPTED, status=OutboxStatus.PENDING).exists()


def test_the_consoles_get_one_push_per_group_for_a_batch(client, inbox, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from omnicanal.conversations import push

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(push.ALL, channel)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(3):
            post(client, _body(n, phone=f"5698765000{n}"))
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "inbox.batch" and len(message["messages"]) == 3
    pushed = {m["data"]["message_id"] for m in message["messages"]}
    assert pushed == set(Message.objects.values_list("public_id", flat=True))


def test_a_message_the_customers_domain_refuses_is_marked_and_the_others_stored(client, inbox, deliver,
                                                                                django_capture_on_commit_callbacks):
    from omnicanal.core.errors import ValidationFailed

    real = __import__("omnicanal.customers.services", fromlist=["do_identify"]).do_identify

    def refuse_one(*, channel, identities, **kwargs):
        if any(i.value == "56987650009" for i in identities):
            raise ValidationFailed.on("identities", "refused")
        return real(channel=channel, identities=identities, **kwargs)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(client, _body(1, phone="56987650009"))
        post(client, _body(2, phone="56987650008"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("omnicanal.customers.services.do_identify_many",
                      lambda **kwargs: (_ for _ in ()).throw(ValidationFailed.on("identities", "refused")))
        patch.setattr("omnicanal.conversations.services.receive.customers.do_identify", refuse_one)
        with django_capture_on_commit_callbacks(execute=True):
            callbacks[0]()
    refused = InboundDelivery.objects.exclude(refused="").get()
    assert refused.refused and refused.external_id == "wamid.QUEUE000001"
    assert Message.objects.get().external_id == "wamid.QUEUE000002"
    assert not OutboxEvent.objects.filter(topic=ACCEPTED, status=OutboxStatus.PENDING).exists()


def test_media_of_a_kept_message_is_fetched_once_the_worker_stored_it(client, inbox, deliver):
    deliver(post, client, testing.fixture("whatsapp/image.json"))
    attachment = Attachment.objects.get()
    assert attachment.file and attachment.size > 0
    assert attachment.message.external_id and not InboundDelivery.objects.filter(stored_at__isnull=True).exists()


def test_refused_deliveries_are_purged_after_a_week(client, inbox):
    from omnicanal.conversations.services.accept import do_purge_refused_deliveries
    from omnicanal.core import clock

    post(client, _body(1))
    post(client, _body(2))
    InboundDelivery.objects.update(refused="an identity refused")
    InboundDelivery.objects.filter(external_id="wamid.QUEUE000001").update(
        received_at=clock.now() - dt.timedelta(days=8))
    assert do_purge_refused_deliveries() == 1
    assert InboundDelivery.objects.get().external_id == "wamid.QUEUE000002"


def test_a_delivery_report_or_a_keyword_still_goes_through_the_one_transaction_path(client, inbox, deliver):
    from omnicanal.channels.base import Parsed
    from omnicanal.channels.services import only_queued
    from omnicanal.conversations.contract import IdentityRef, InboundMessage, StatusUpdate

    message = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", "56987654321"),), text="Hola",
                             external_id="wamid.X")
    assert only_queued(Parsed(messages=[message]))
    assert not only_queued(Parsed(messages=[message], statuses=[StatusUpdate("whatsapp", "wamid.Y", "read")]))
    assert not only_queued(Parsed(messages=[message], consent_changes=[("56987654321", "opt_out", "STOP")]))


def test_a_drain_wakes_the_worker_once_for_the_events_it_wrote(client, inbox, django_capture_on_commit_callbacks):
    from omnicanal.core import outbox

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(5):
            post(client, _body(n, phone=f"5698765001{n}"))
    woken = []
    real = outbox._worker_entry

    def counting(event_id):
        woken.append(OutboxEvent.objects.get(pk=event_id).topic)
        return real(event_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "_worker_entry", counting)
        with django_capture_on_commit_callbacks(execute=True):
            callbacks[0]()
    # one drain stored the five; its five MessageReceived woke the worker once, not five times
    assert Message.objects.count() == 5
    assert woken.count("conversations.MessageReceived") == 1
    assert not OutboxEvent.objects.filter(status=OutboxStatus.PENDING).exists()


def test_the_consoles_are_pushed_before_the_batchs_other_reactions_run(client, inbox,
                                                                         django_capture_on_commit_callbacks):
    # given three first messages kept while the worker was busy (three new conversations, each with
    # events whose in-process reactions run after the drain's commit)
    from omnicanal.conversations import push
    from omnicanal.core import outbox

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(3):
            post(client, _body(n, phone=f"5698765002{n}"))
    order = []
    real_push, real_dispatch = push.push_many, outbox._dispatch_after_commit

    def pushing(items, *, wait=True):
        order.append("push" if not wait else "push, waited for")
        return real_push(items, wait=wait)

    def dispatching(event_id, topic=""):
        order.append(topic)
        return real_dispatch(event_id, topic)

    # when the worker stores them
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(push, "push_many", pushing)
        patch.setattr(outbox, "_dispatch_after_commit", dispatching)
        with django_capture_on_commit_callbacks(execute=True):
            callbacks[0]()
    # then the agents' push is the first thing after the commit, not behind the other reactions, and
    # the drain does not wait for it (the process's push loop sends it while the next batch runs)
    assert Message.objects.count() == 3
    # (order[0]: the wake-up that started the drain)
    assert order[:2] == [ACCEPTED, "push"] and order.count("push") == 1
    assert "conversations.ConversationOpened" in order[2:]


def test_a_batch_writes_its_events_together_and_no_savepoint_per_message(client, inbox,
                                                                          django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given five customers who wrote before (their conversations open)
    phones = [f"5698765003{n}" for n in range(5)]
    for n, phone in enumerate(phones):
        with django_capture_on_commit_callbacks(execute=True):
            post(client, _body(100 + n, phone=phone))
    # when five more of their messages are stored in one batch
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n, phone in enumerate(phones):
            post(client, _body(200 + n, phone=phone))
    with CaptureQueriesContext(connection) as drain, django_capture_on_commit_callbacks(execute=False):
        callbacks[0]()
    # then the five MessageReceived events are one INSERT, and each message costs its lock, its row,
    # its ticket look-up and its conversation's update (no lookup of its provider id, no savepoint)
    sql = [q["sql"] for q in drain.captured_queries]
    assert len([s for s in sql if s.startswith('INSERT INTO "core_outboxevent"')]) == 1
    # the batch's few (the drain, its handler, the senders' identification), none per message
    assert len([s for s in sql if s.startswith("SAVEPOINT")]) < 5
    assert len(sql) <= 5 * 4 + 20, "\n".join(sql)  # the batch's own ~18: claim, identify, bulk update…
    assert Message.objects.count() == 10
    assert OutboxEvent.objects.filter(topic="conversations.MessageReceived").count() == 10


def test_a_batch_of_one_takes_the_batch_path_its_savepoints_only_when_redone_alone(client, inbox,
                                                                                   django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a customer who wrote before, and a new message of theirs kept alone (a quiet minute, or
    # one lane's share of a second: batches of one are common)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, _body(700, phone="56987650070"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(client, _body(701, phone="56987650070"))
    # when the worker stores it
    with CaptureQueriesContext(connection) as drain, django_capture_on_commit_callbacks(execute=False):
        callbacks[0]()
    # then it went the batch's way (no savepoint of its own, no lookup of its provider id), as the
    # first try of any batch does; only a failed batch's messages, redone one by one, are guarded
    sql = [q["sql"] for q in drain.captured_queries]
    # the drain's, its handler's and the identification's savepoints; none for the message
    assert len([s for s in sql if s.startswith("SAVEPOINT")]) <= 3, "\n".join(sql)
    assert len(sql) <= 19, "\n".join(sql)  # PostgreSQL: the lane's lock too
    assert Message.objects.count() == 2


def test_a_refusal_inside_an_unguarded_batch_redoes_it_one_message_at_a_time(client, inbox,
                                                                             django_capture_on_commit_callbacks):
    from omnicanal.conversations.services import accept
    from omnicanal.core.errors import ValidationFailed

    real = accept.do_receive_message

    def refuse_one(*, inbound, **kwargs):
        if inbound.external_id == "wamid.QUEUE000002":
            raise ValidationFailed.on("text", "refused")
        return real(inbound=inbound, **kwargs)

    # given three messages identified together, one of which the store step refuses
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(1, 4):
            post(client, _body(n, phone=f"5698765004{n}"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accept, "do_receive_message", refuse_one)
        with django_capture_on_commit_callbacks(execute=True):
            callbacks[0]()
    # then the batch (no savepoint per message) is redone one message at a time: the refused one is
    # marked, the others stored once with their events once, nothing half-written
    refused = InboundDelivery.objects.exclude(refused="").get()
    assert refused.refused and refused.external_id == "wamid.QUEUE000002"
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["wamid.QUEUE000001", "wamid.QUEUE000003"]
    assert Conversation.objects.count() == 2
    assert OutboxEvent.objects.filter(topic="conversations.MessageReceived").count() == 2
    assert OutboxEvent.objects.filter(topic="conversations.ConversationOpened").count() == 2
    assert not OutboxEvent.objects.filter(topic=ACCEPTED, status=OutboxStatus.PENDING).exists()


def _agents(*names: str) -> list:
    from omnicanal.conversations import services
    from omnicanal.core.services import do_create_staff_user

    services.do_save_team(slug="servicio", name="Servicio", languages=["es"], is_default=True)
    users = []
    for name in names:
        user = do_create_staff_user(username=name, password="secret-pass", role="agent", first_name=name.title())
        services.do_save_agent(user=user, languages=["es"], skills=[], teams=["servicio"], available=True)
        users.append(user)
    return users


FIELDS = ("status", "priority", "language", "store", "skill", "subject", "last_channel", "last_inbox_id",
          "reply_channel", "message_count", "reopens", "bot", "team_id", "resolved_at", "snoozed_until")


def test_new_senders_first_messages_write_their_conversations_once_and_take_turns(
        client, inbox, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana, beto = _agents("ana", "beto")
    # given four customers never seen write, the first of them twice, while the worker is busy
    phones = [f"5698765005{n}" for n in range(4)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n, phone in enumerate([*phones, phones[0]]):
            post(client, _body(300 + n, phone=phone, text=f"hola {n}"))
    # when the worker stores them in one batch
    with CaptureQueriesContext(connection) as drain, django_capture_on_commit_callbacks(execute=False):
        callbacks[0]()
    # then each has one conversation, assigned in turn, the first with both messages in order
    conversations = list(Conversation.objects.order_by("pk"))
    assert len(conversations) == 4
    assert [c.assignee_id for c in conversations] == [ana.pk, beto.pk, ana.pk, beto.pk]
    assert [c.message_count for c in conversations] == [2, 1, 1, 1]
    assert list(conversations[0].messages.order_by("created_at", "pk").values_list("text", flat=True)) == [
        "hola 0", "hola 4"]
    for conversation in conversations:
        last = conversation.messages.order_by("-created_at", "-pk").first()
        assert conversation.last_message_at == conversation.last_inbound_at == last.created_at
        assert conversation.waiting_since is not None and conversation.last_channel == "whatsapp"
        assert conversation.status == "open" and conversation.team.slug == "servicio"
    # and the same events, in the same order, as a message stored on its own
    first = conversations[1].public_id
    topics = [e.topic for e in OutboxEvent.objects.order_by("pk") if e.payload.get("conversation_id") == first]
    assert topics == ["conversations.ConversationOpened", "conversations.ConversationAssigned",
                      "conversations.MessageReceived"]
    # and a new customer's conversation is neither looked for nor written twice, the team is read and
    # locked once for the batch: only the returning sender's second message looks its conversation up
    sql = [q["sql"] for q in drain.captured_queries]
    assert len([s for s in sql if s.startswith('SELECT') and 'FROM "conversations_conversation"' in s]) == 1
    assert len([s for s in sql if s.startswith('UPDATE "conversations_conversation" SET "status"')]) == 1
    assert not [s for s in sql if s.startswith('UPDATE "conversations_conversation"') and "last_channel" not in s]
    assert len([s for s in sql if 'FROM "conversations_ticket"' in s]) == 1
    assert len([s for s in sql if 'FROM "conversations_team"' in s]) == 2, "\n".join(sql)
    # and the team's agents are read once, each agent's last turn written once
    assert len([s for s in sql if s.startswith("SELECT") and 'FROM "conversations_agentprofile"' in s]) == 1
    assert len([s for s in sql if s.startswith('UPDATE "conversations_agentprofile"')]) == 2
    turns = dict(AgentProfile.objects.values_list("user_id", "last_assigned_at"))
    assert turns[beto.pk] > turns[ana.pk] > conversations[0].created_at
    assert len([s for s in sql if s.startswith("SAVEPOINT")]) < 5  # the batch's few, none per message


def test_a_new_senders_conversation_is_the_same_row_as_one_stored_on_its_own(
        client, inbox, deliver, django_capture_on_commit_callbacks):
    from django.db import transaction

    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.services import do_receive_message

    _agents("ana")
    # given one new sender stored by the worker's batch (with another, so the batch is unguarded)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(client, _body(400, phone="56987650061", text="hola"))
        post(client, _body(401, phone="56987650062", text="hola"))
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    # and one stored by the one-step path
    with transaction.atomic():
        alone = do_receive_message(inbound=InboundMessage(
            channel="whatsapp", identities=(IdentityRef("whatsapp", "+56987650063"),), text="hola",
            external_id="wamid.ALONE", address="+56987650063", name="Cliente", inbox_id=inbox.public_id,
            )).conversation
    # then the rows agree on everything a message decides
    batched = Conversation.objects.order_by("pk").first()
    alone.refresh_from_db()
    assert {f: getattr(batched, f) for f in FIELDS} == {f: getattr(alone, f) for f in FIELDS}
    assert batched.assignee_id == alone.assignee_id is not None


RETURNING_FIELDS = (*FIELDS, "assignee_id")


def test_returning_senders_in_one_batch_end_as_stored_one_by_one(client, inbox, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    """The batch locks its returning senders' conversations in one query and reads their open
    tickets in one more (services/receive.py, rows_together): the rows end as the one-step path leaves them."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from omnicanal.conversations import services
    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.models import Ticket
    from omnicanal.core import clock
    from omnicanal.core.auth import SYSTEM

    _agents("ana")

    def inbound(phone: str, n: int) -> InboundMessage:
        return InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", f"+{phone}"),), text=f"otra {n}",
                              external_id=f"wamid.ALONE{n}", address=f"+{phone}", name="Cliente",
                              inbox_id=inbox.public_id)

    # given two pairs of returning customers: one with a snoozed conversation, one with a pending ticket
    batched, alone = ["56987650071", "56987650072"], ["56987650073", "56987650074"]
    with django_capture_on_commit_callbacks(execute=True):
        for n, phone in enumerate(batched + alone):
            post(client, _body(500 + n, phone=phone, text="hola"))
    conversations = list(Conversation.objects.order_by("pk"))
    for snoozed, pending in ((conversations[0], conversations[1]), (conversations[2], conversations[3])):
        services.do_snooze(conversation=snoozed, until=clock.now() + dt.timedelta(hours=2), actor=SYSTEM)
        ticket = services.do_open_ticket(conversation=pending, category="delivery", actor=SYSTEM)
        services.do_set_ticket_status(ticket=ticket, status="pending", actor=SYSTEM)
    # when the first pair writes again through the worker's batch, each twice
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n, phone in enumerate(batched + batched):
            post(client, _body(510 + n, phone=phone, text=f"otra {n}"))
    hot = hot_statements(monkeypatch)  # a batch's few rows go as a prepared statement (core.rows)
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as drain, django_capture_on_commit_callbacks(execute=False) as after:
            callbacks[0]()
        for callback in after:  # what follows the batch's commit (the push, the reactions)
            callback()
    # and the second pair through the one-step path, one message at a time
    for n, phone in enumerate(alone + alone):
        with transaction.atomic():
            services.do_receive_message(inbound=inbound(phone, n))
    # then the conversations and the tickets agree on everything a message decides
    rows = [Conversation.objects.get(pk=c.pk) for c in conversations]
    for one, other in ((rows[0], rows[2]), (rows[1], rows[3])):
        assert {f: getattr(one, f) for f in RETURNING_FIELDS} == {f: getattr(other, f) for f in RETURNING_FIELDS}
        assert one.message_count == 3 and one.status == "open" and one.waiting_since is not None
    tickets = {t.conversation_id: t for t in Ticket.objects.all()}
    assert tickets[rows[1].pk].status == tickets[rows[3].pk].status == "open"
    assert tickets[rows[1].pk].next_response_due is None and tickets[rows[1].pk].paused_minutes == tickets[rows[3].pk].paused_minutes
    assert list(rows[0].messages.order_by("created_at", "pk").values_list("text", flat=True)) == ["hola", "otra 0", "otra 2"]
    # and the batch looked its conversations up once and their tickets once, not per message
    sql = [q["sql"] for q in drain.captured_queries]
    assert len([s for s in sql if s.startswith("SELECT") and 'FROM "conversations_conversation"' in s]) == 1
    assert len([s for s in sql if s.startswith("SELECT") and 'FROM "conversations_ticket"' in s]) == 1
    assert len([s for s in sql + hot if 'INSERT INTO "conversations_message"' in s]) == 1  # PostgreSQL: WITH … INSERT

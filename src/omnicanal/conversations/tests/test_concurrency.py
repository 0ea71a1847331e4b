import pytest

from omnicanal.conversations.models import Conversation, Message
from omnicanal.core.testing import run_in_processes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def receive_one(text: str, external_id: str) -> str:
    """Runs in a child process: one inbound WhatsApp message of the same new customer."""
    from django.db import transaction

    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.services import do_receive_message

    inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", "56987650000"),), text=text,
                             external_id=external_id, address="56987650000")
    with transaction.atomic():
        return do_receive_message(inbound=inbound).conversation.public_id


def test_simultaneous_first_messages_of_a_new_customer_make_one_conversation():
    results = run_in_processes("omnicanal.conversations.tests.test_concurrency:receive_one",
                               [("Hola", "wamid.A"), ("¿Hay alguien?", "wamid.B"), ("Hola de nuevo", "wamid.C")])
    assert len(set(results)) == 1
    assert Conversation.objects.count() == 1 and Message.objects.count() == 3


def test_a_webhook_delivered_twice_at_once_is_stored_once():
    results = run_in_processes("omnicanal.conversations.tests.test_concurrency:receive_one",
                               [("Hola", "wamid.SAME"), ("Hola", "wamid.SAME")])
    assert len(set(results)) == 1
    assert Message.objects.count() == 1


PHONES = ("56987650101", "56987650102", "56987650103")


def accept_all(count: int) -> int:
    """Runs in a child process: the same `count` webhook messages of three customers, kept as a
    webhook keeps them (one statement each, autocommit); huey runs in-process in tests, so every
    acceptance also drains the topic, racing the other processes' drains."""
    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.services import do_accept_inbound

    kept = 0
    for n in range(count):
        phone = PHONES[n % len(PHONES)]
        inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", phone),), text=f"m{n:03d}",
                                 external_id=f"wamid.RACE{n:03d}", address=phone)
        kept += not do_accept_inbound(inbound=inbound).duplicate
    return kept


def test_deliveries_kept_and_drained_by_several_processes_are_stored_once_in_order():
    from omnicanal.conversations.models import InboundDelivery
    from omnicanal.core.models import OutboxEvent

    # given three processes receiving the same 30 deliveries at once (a provider's retries)
    kept = run_in_processes("omnicanal.conversations.tests.test_concurrency:accept_all", [(30,), (30,), (30,)])
    # then no drain left an event behind for the relay (a drain that finds the topic busy leaves it to
    # the one holding it, which looks again after releasing it: outbox.run_batches),
    assert not OutboxEvent.objects.filter(topic="conversations.InboundAccepted", status="pending").exists()
    # and each was kept once and stored once, every customer in one conversation, in order
    assert sum(kept) == 30 and OutboxEvent.objects.filter(topic="conversations.InboundAccepted").count() == 30
    assert Message.objects.count() == 30 and Conversation.objects.count() == 3
    assert not InboundDelivery.objects.filter(stored_at__isnull=True).exists()
    for conversation in Conversation.objects.all():
        by_time = list(conversation.messages.order_by("created_at", "pk").values_list("text", flat=True))
        assert by_time == sorted(by_time) and len(by_time) == 10


def test_a_replay_whose_statement_starts_before_the_workers_commit_is_still_a_duplicate(monkeypatch):
    """The webhook's statement cannot see a message the worker has not committed; it reaches the
    delivery's row while the worker holds it and must find it there (a tombstone), not a gap."""
    import threading
    import time

    from django.db import connection, transaction

    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.models import InboundDelivery
    from omnicanal.conversations.services.accept import do_accept_inbound, store_accepted

    monkeypatch.setattr("omnicanal.core.outbox._worker_entry", lambda event_id: None)  # we are the worker
    monkeypatch.setattr("omnicanal.core.outbox._priority_entry", lambda topic: None)
    inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", PHONES[0]),), text="Hola",
                             external_id="wamid.LATE", address=PHONES[0])
    kept = do_accept_inbound(inbound=inbound)
    replay: list[bool] = []

    def provider_retries() -> None:
        try:
            replay.append(do_accept_inbound(inbound=inbound).duplicate)
        finally:
            connection.close()

    with transaction.atomic():
        store_accepted([kept.delivery_id])  # stored, not committed yet
        retry = threading.Thread(target=provider_retries)
        retry.start()
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:  # until the replay's INSERT waits on the row we hold
            while time.monotonic() < deadline:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is read once per transaction
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                               "AND datname = current_database()")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.02)
            else:
                raise AssertionError("the replay never waited on the delivery's row")
    retry.join(20)
    assert replay == [True]
    assert Message.objects.filter(external_id="wamid.LATE").count() == 1
    assert InboundDelivery.objects.filter(stored_at__isnull=False).count() == 1

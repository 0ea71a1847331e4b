from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from omnicanal.core import clock, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class ParcelSent:
    parcel_id: str
    weight: Decimal


received: list[dict] = []
failures_left = {"n": 0}


@outbox.handles("core.ParcelSent")
def remember(event: outbox.Envelope) -> None:
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise ConnectionError("carrier down")
    received.append(event.payload)


@pytest.fixture(autouse=True)
def _reset():
    received.clear()
    failures_left["n"] = 0


def test_topics_name_the_domain_and_the_event():
    assert outbox.topic_of(ParcelSent) == "core.ParcelSent"


def test_nothing_is_emitted_for_a_rolled_back_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.emit(ParcelSent("p1", Decimal("1.5")))
        raise RuntimeError("the caller failed")
    assert received == []
    assert not OutboxEvent.objects.exists()


def test_events_are_delivered_after_commit_and_not_before():
    with transaction.atomic():
        outbox.emit(ParcelSent("p2", Decimal("2.25")))
        assert received == []  # not while the transaction is open
    assert received == [{"parcel_id": "p2", "weight": "2.25"}]
    assert OutboxEvent.objects.get().status == OutboxStatus.DONE


def test_a_rolled_back_savepoint_drops_only_its_own_events():
    with transaction.atomic():
        outbox.emit(ParcelSent("kept", Decimal(1)))
        with pytest.raises(ValueError), transaction.atomic():
            outbox.emit(ParcelSent("dropped", Decimal(1)))
            raise ValueError
    assert [p["parcel_id"] for p in received] == ["kept"]


def test_emit_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        outbox.emit(ParcelSent("p3", Decimal(1)))


def test_a_failing_handler_is_retried_with_backoff_by_the_relay():
    failures_left["n"] = 1
    with transaction.atomic():
        outbox.emit(ParcelSent("p4", Decimal(1)))
    event = OutboxEvent.objects.get()
    assert event.status == OutboxStatus.PENDING and event.attempts == 1 and "carrier down" in event.last_error
    assert outbox.dispatch_due() == 0  # not yet: the backoff has not passed
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        assert outbox.dispatch_due() == 1
    assert [p["parcel_id"] for p in received] == ["p4"]
    assert OutboxEvent.objects.get().status == OutboxStatus.DONE


also_received: list[str] = []


@outbox.handles("core.ParcelSent")
def remember_too(event: outbox.Envelope) -> None:
    also_received.append(event["parcel_id"])


def test_a_failing_handler_does_not_hold_up_the_topics_other_handlers():
    also_received.clear()
    failures_left["n"] = 1
    with transaction.atomic():
        outbox.emit(ParcelSent("p9", Decimal(1)))
    event = OutboxEvent.objects.get()
    assert also_received == ["p9"] and received == []  # the second handler ran although the first failed
    assert event.status == OutboxStatus.PENDING and event.done_handlers == [f"{__name__}.remember_too"]
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        assert outbox.dispatch_due() == 1
    assert [p["parcel_id"] for p in received] == ["p9"] and also_received == ["p9"]  # each ran once
    assert OutboxEvent.objects.get().status == OutboxStatus.DONE


def test_an_event_fails_visibly_after_the_last_attempt_and_can_be_retried(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "OUTBOX_MAX_ATTEMPTS": 2}
    failures_left["n"] = 2
    with transaction.atomic():
        outbox.emit(ParcelSent("p5", Decimal(1)))
    with clock.frozen(clock.now() + timedelta(hours=1)):
        outbox.dispatch_due()
    event = OutboxEvent.objects.get()
    assert event.status == OutboxStatus.FAILED and event.attempts == 2
    assert outbox.retry_failed([event.pk]) == 1
    with clock.frozen(clock.now() + timedelta(hours=2)):
        outbox.dispatch_due()
    assert [p["parcel_id"] for p in received] == ["p5"]


def test_an_event_left_behind_by_a_crash_is_relayed():
    # given an event committed without its after-commit dispatch (the process died)
    OutboxEvent.objects.create(topic="core.ParcelSent", payload={"parcel_id": "p6", "weight": "1"}, created_at=clock.now())
    with clock.frozen(clock.now() + timedelta(seconds=30)):
        outbox.dispatch_due()
    assert [p["parcel_id"] for p in received] == ["p6"]


def test_a_handler_runs_once_even_when_dispatched_twice():
    with transaction.atomic():
        event = outbox.emit(ParcelSent("p7", Decimal(1)))
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxStatus.PENDING)
    outbox.dispatch(event.pk)
    assert [p["parcel_id"] for p in received] == ["p7"]


slow_work: list[str] = []


@dataclass(frozen=True)
class ReceiptRequested:
    order_number: str


@outbox.handles("core.ReceiptRequested", background=True)
def render_receipt(event: outbox.Envelope) -> None:
    slow_work.append(event["order_number"])


def test_background_handlers_run_in_the_worker_through_huey(settings):
    # given huey in immediate mode (tests), the worker's task runs at once
    slow_work.clear()
    with transaction.atomic():
        outbox.emit(ReceiptRequested("A-1001"))
    assert slow_work == ["A-1001"]
    assert OutboxEvent.objects.get(topic="core.ReceiptRequested").status == OutboxStatus.DONE


def test_background_handlers_wait_for_the_worker_when_it_is_not_immediate():
    from huey.contrib.djhuey import HUEY

    slow_work.clear()
    HUEY.immediate = False
    try:
        with transaction.atomic():
            outbox.emit(ReceiptRequested("A-1002"))
        assert slow_work == []  # queued for the worker, not run in the request
        assert OutboxEvent.objects.get(topic="core.ReceiptRequested").status == OutboxStatus.PENDING
        HUEY.flush()
    finally:
        HUEY.immediate = True
    with clock.frozen(clock.now() + timedelta(seconds=30)):
        outbox.dispatch_due()  # the relay, as the worker runs it
    assert slow_work == ["A-1002"]


def test_emit_many_writes_every_event_and_delivers_after_commit():
    with transaction.atomic():
        outbox.emit_many([ParcelSent("m1", Decimal(1)), ParcelSent("m2", Decimal(2))])
        assert received == []
    assert [p["parcel_id"] for p in received] == ["m1", "m2"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_due_index_holds_only_events_still_to_dispatch_and_serves_the_relay_and_the_health_counts():
    """Most events have no handler and are written done: the due index leaves them out (one index
    write less per event) yet still serves every query by status the relay and health page make."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        for status in (OutboxStatus.PENDING, OutboxStatus.FAILED):
            assert "outbox_due" in OutboxEvent.objects.filter(status=status).explain()
        assert "outbox_due" not in OutboxEvent.objects.filter(status=OutboxStatus.DONE).explain()


def test_collected_events_wait_for_dispatch_many_which_runs_them_together_once():
    also_received.clear()
    with outbox.collected_dispatch() as ids, transaction.atomic():
        for n in range(3):
            outbox.emit(ParcelSent(f"c{n}", Decimal(1)))
    assert len(ids) == 3 and received == []  # committed, not dispatched: the caller's to hand over
    assert outbox.dispatch_many(ids) == 3
    assert [p["parcel_id"] for p in received] == ["c0", "c1", "c2"] and also_received == ["c0", "c1", "c2"]
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}
    assert outbox.dispatch_many(ids) == 0 and len(received) == 3  # a second hand-over runs nothing again


def test_a_failing_handler_in_a_collected_chunk_falls_back_to_one_event_at_a_time():
    also_received.clear()
    failures_left["n"] = 1
    with outbox.collected_dispatch() as ids, transaction.atomic():
        for n in range(3):
            outbox.emit(ParcelSent(f"f{n}", Decimal(1)))
    outbox.dispatch_many(ids)
    # the first handler failed on the first event: the chunk's transaction rolled back, then each event
    # went through dispatch() alone, where every handler ran once per event
    assert sorted(p["parcel_id"] for p in received) == ["f0", "f1", "f2"]
    assert sorted(also_received) == ["f0", "f1", "f2"]
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}


def test_a_handler_that_failed_waits_for_its_backoff_while_the_worker_runs_the_background_ones():
    slow_work.clear()
    failures_left["n"] = 1
    with transaction.atomic():
        outbox.emit(ReceiptRequestedToo("R-9"))
    event = OutboxEvent.objects.get()
    # the in-process handler failed once; the worker (immediate in tests) ran the background one and
    # did not try the failed one again at once: one attempt, retried by the relay after the backoff
    assert slow_work == ["R-9"] and event.attempts == 1 and event.status == OutboxStatus.PENDING
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        assert outbox.dispatch_due() == 1
    assert OutboxEvent.objects.get().status == OutboxStatus.DONE and slow_work == ["R-9"]


@dataclass(frozen=True)
class ReceiptRequestedToo:
    order_number: str


@outbox.handles("core.ReceiptRequestedToo")
def fail_first(event: outbox.Envelope) -> None:
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise ConnectionError("rollup down")


@outbox.handles("core.ReceiptRequestedToo", background=True)
def render_receipt_too(event: outbox.Envelope) -> None:
    slow_work.append(event["order_number"])

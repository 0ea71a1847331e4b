"""The worker's priority lane (core.priority): a priority topic's events wake a queue of their own,
whose consumer drains them while the main queue is backed up and while slow reaction drains hold
the main consumer's threads; in the order written, each once; and the relay takes what a lane that
died mid-batch left."""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection, transaction

from omnicanal.core import clock, outbox, priority
from omnicanal.core.models import OutboxEvent, OutboxStatus

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Kept:  # stands for conversations.InboundAccepted
    conversation: str
    n: int


@dataclass(frozen=True)
class Mulled:  # a slow reaction's topic (the bot's turn, sentiment)
    n: int


@dataclass(frozen=True)
class Pondered:  # another one
    n: int


@dataclass(frozen=True)
class Opened:  # an event the store writes (a new conversation), with an in-process handler
    conversation: str


stored: list[tuple[str, int]] = []
told: list[str] = []
crash = {"at": None}
holding = threading.Semaphore(0)
release = threading.Event()


@outbox.handles("core.Kept", batch=True, priority=True)
def store(batch: list[outbox.Envelope]) -> None:
    for event in batch:
        if crash["at"] == event["n"]:
            raise SystemExit("the lane's process died mid-batch")  # not an Exception: nothing catches it
        stored.append((event["conversation"], event["n"]))
        outbox.emit(Opened(event["conversation"]))


@outbox.handles("core.Opened")
def tell(event: outbox.Envelope) -> None:
    told.append(event["conversation"])


def _slow(batch: list[outbox.Envelope]) -> None:
    holding.release()
    release.wait(30)


outbox.handles("core.Mulled", batch=True)(_slow)
outbox.handles("core.Pondered", batch=True)(_slow)


@pytest.fixture
def queues():
    """Both queues not immediate (tasks wait for a consumer, as in production); the lane's consumer
    is started by the test, the main queue's never."""
    from huey.contrib.djhuey import HUEY

    stored.clear()
    told.clear()
    crash["at"] = None
    release.clear()
    HUEY.immediate = priority.QUEUE.immediate = False
    HUEY.flush()  # what earlier tests left queued
    priority.QUEUE.flush()
    try:
        yield HUEY
    finally:
        release.set()
        HUEY.flush()
        priority.QUEUE.flush()
        HUEY.immediate = priority.QUEUE.immediate = True


def _emit(event) -> int:
    with transaction.atomic():
        return outbox.emit(event).pk


def _statuses(topic: str) -> set[str]:
    return set(OutboxEvent.objects.filter(topic=topic).values_list("status", flat=True))


def _wait(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Lane:
    """The lane's consumer in a thread, as `worker --priority-only` runs it."""

    def __enter__(self):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            priority.consume(self.stop)
        finally:
            connection.close()

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.mark.database_free
def test_only_batch_handlers_take_the_lane_and_the_inbound_store_is_one():
    with pytest.raises(ValueError):
        outbox.handles("core.Kept", priority=True)(lambda event: None)
    assert outbox._prioritized("conversations.InboundAccepted")
    assert not outbox._prioritized("conversations.MessageReceived")


def test_a_priority_event_is_drained_by_the_lane_while_the_main_queue_is_backed_up(queues):
    # given the main queue backed up with reactions nobody has taken yet
    for n in range(3):
        _emit(Mulled(n))
    assert queues.pending_count() == 3
    # when three messages of two conversations are kept
    for conversation, n in (("A", 1), ("B", 2), ("A", 3)):
        _emit(Kept(conversation, n))
    # then they woke the lane, not the main queue
    assert priority.QUEUE.pending_count() == 3 and queues.pending_count() == 3
    # and the lane's consumer alone drains them, in the order written, each once
    with Lane():
        assert _wait(lambda: _statuses("core.Kept") == {OutboxStatus.DONE})
    assert stored == [("A", 1), ("B", 2), ("A", 3)]
    assert _statuses("core.Mulled") == {OutboxStatus.PENDING}
    # and what the store wrote went to the main queue whole (its in-process reaction too), in one
    # task for the batch: the lane stores and pushes, nothing else
    assert told == [] and queues.pending_count() == 3 + 1
    release.set()  # the slow reactions, when the main consumer takes them, do not hold it
    while (task := queues.dequeue()) is not None:
        queues.execute(task)
    assert told == ["A", "B", "A"] and _statuses("core.Opened") == {OutboxStatus.DONE}


@pytest.mark.postgres
def test_a_priority_event_is_drained_while_slow_reaction_drains_hold_every_main_thread(queues):
    # given the main consumer's two threads each inside a slow reaction's drain (open transactions)
    _emit(Mulled(1))
    _emit(Pondered(1))

    def main_thread(topic: str) -> None:
        try:
            outbox.run_batches(topic)
        finally:
            connection.close()

    threads = [threading.Thread(target=main_thread, args=(topic,)) for topic in ("core.Mulled", "core.Pondered")]
    for thread in threads:
        thread.start()
    assert holding.acquire(timeout=20) and holding.acquire(timeout=20)
    try:
        # when messages are kept meanwhile
        for conversation, n in (("A", 1), ("B", 2), ("A", 3)):
            _emit(Kept(conversation, n))
        # then the lane stores them before either reaction finishes
        with Lane():
            assert _wait(lambda: _statuses("core.Kept") == {OutboxStatus.DONE})
        assert stored == [("A", 1), ("B", 2), ("A", 3)]
        assert _statuses("core.Mulled") == _statuses("core.Pondered") == {OutboxStatus.PENDING}
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    # and the reactions catch up after
    assert _statuses("core.Mulled") == _statuses("core.Pondered") == {OutboxStatus.DONE}


def test_what_a_lane_that_died_mid_batch_left_is_drained_by_the_relay_once_in_order(queues):
    # given the lane's process dies while storing the second of three messages (its batch rolls back)
    crash["at"] = 2
    for conversation, n in (("A", 1), ("A", 2), ("B", 3)):
        _emit(Kept(conversation, n))
    task = priority.QUEUE.dequeue()
    with pytest.raises(SystemExit):
        priority.QUEUE.execute(task)
    stored.clear()  # what the dead process's batch had stored went with its transaction
    assert _statuses("core.Kept") == {OutboxStatus.PENDING}
    # when the relay runs after the grace (the lane's other wake-ups lost with it)
    priority.QUEUE.flush()
    crash["at"] = None
    with clock.frozen(clock.now() + timedelta(seconds=6)):
        outbox.dispatch_due()
    # then every message is stored once, in order
    assert stored == [("A", 1), ("A", 2), ("B", 3)]
    assert _statuses("core.Kept") == {OutboxStatus.DONE}


@pytest.mark.database_free
def test_the_lane_stops_when_the_worker_that_started_it_is_gone():
    finished = threading.Event()

    def run() -> None:
        priority.consume(threading.Event(), parent=-1)  # never our parent's pid
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    assert finished.wait(5)


def test_wake_ups_queued_while_a_drain_ran_are_taken_by_one_drain(queues, monkeypatch):
    # given five messages kept while the lane was busy: five wake-ups queued
    for n in range(5):
        _emit(Kept("A", n))
    assert priority.QUEUE.pending_count() == 5
    drains = []
    real = outbox.drain_priority
    monkeypatch.setattr(outbox, "drain_priority", lambda topic: drains.append(topic) or real(topic))
    # when the lane takes them
    with Lane():
        assert _wait(lambda: _statuses("core.Kept") == {OutboxStatus.DONE})
        assert _wait(lambda: priority.QUEUE.pending_count() == 0)
    # then one drain stored all five, in order
    assert drains == ["core.Kept"]
    assert stored == [("A", n) for n in range(5)]


@pytest.mark.database_free
def test_without_the_lane_the_store_is_the_main_queues_as_before(monkeypatch):
    # OUTBOX_PRIORITY_LANE off (the embedded install, no Redis): nothing wires the lane's entry
    monkeypatch.setattr(outbox, "_priority_entry", None)
    assert not outbox._prioritized("conversations.InboundAccepted")

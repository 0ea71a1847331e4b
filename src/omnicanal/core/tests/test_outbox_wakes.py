"""Wake-ups of the worker for batch-only topics, coalesced per process (outbox._Wakes): one task per
topic per window, a trailing one for the events of the window, and a drain that never misses an
event whose named event another drain already took. The hand-over of events whose handlers all run
in the worker (wakes.Handoffs, an order's OrderPlaced) is coalesced the same way: one task for the
window's events, each event's handlers run by it."""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import outbox, tasks
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.wakes import Handoffs, Wakes

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Tick:
    n: int


@dataclass(frozen=True)
class Tock:
    n: int


drained: list[list[int]] = []
reacted: list[int] = []


@outbox.handles("core.Tick", batch=True)
def tally(batch: list[outbox.Envelope]) -> None:
    drained.append([event["n"] for event in batch])


@outbox.handles("core.Tock", background=True)
def react(event: outbox.Envelope) -> None:
    if event["n"] == 13:
        raise RuntimeError("unlucky")
    reacted.append(event["n"])


@dataclass(frozen=True)
class Tuck:  # an order's OrderPlaced in small: reactions one at a time in the worker, and a batch
    n: int


tucked: list[tuple[str, int]] = []


@outbox.handles("core.Tuck", background=True)
def first_reaction(event: outbox.Envelope) -> None:
    tucked.append(("first", event["n"]))


@outbox.handles("core.Tuck", background=True)
def second_reaction(event: outbox.Envelope) -> None:
    tucked.append(("second", event["n"]))


def second_reactions(events: list[outbox.Envelope]) -> None:  # its batched form (the customers' timeline's)
    tucked.append(("second, together", len(events)))


second_reaction.many = second_reactions  # type: ignore[attr-defined]


@outbox.handles("core.Tuck", batch=True)
def tucks_counted(batch: list[outbox.Envelope]) -> None:
    tucked.append(("batch", len(batch)))


@pytest.fixture
def coalesced(monkeypatch):
    """A 50 ms window; the worker's entry records the event ids it is handed instead of running."""
    handed: list[int] = []
    arrived = threading.Event()

    def entry(event_id: int) -> None:
        handed.append(event_id)
        arrived.set()

    wakes = Wakes(lambda topic, event_id: outbox._enqueue(event_id))  # as outbox._wakes is built
    wakes.window = 0.05
    handoffs = Handoffs(outbox._enqueue)  # as outbox._handoffs
    handoffs.window = 0.3  # wide: a loaded machine may pause the test between two hand-overs
    monkeypatch.setattr(outbox, "_wakes", wakes)
    monkeypatch.setattr(outbox, "_handoffs", handoffs)
    monkeypatch.setattr(outbox, "_worker_entry", entry)
    drained.clear()
    reacted.clear()
    tucked.clear()
    yield handed, arrived
    for coalescer in (wakes, handoffs):  # a trailing one left due would reach the next test's entry
        with coalescer.cond:
            coalescer.pending.clear()


def _emit(n: int) -> int:
    with transaction.atomic():
        return outbox.emit(Tick(n)).pk


@pytest.mark.database_free
def test_many_events_in_one_window_wake_the_worker_twice_the_first_at_once_then_once_for_the_rest(coalesced):
    handed, arrived = coalesced
    wakes = outbox._wakes
    # when ten events of a batch-only topic commit within the window
    for event_id in range(1, 11):
        wakes.wake("core.Tick", event_id)
    # then the first woke the worker at once, the nine others wait for one trailing wake-up
    assert handed == [1]
    arrived.clear()
    assert arrived.wait(2)
    assert handed == [1, 10]
    # and a topic quiet for longer than the window wakes it at once again
    time.sleep(0.06)
    wakes.wake("core.Tick", 11)
    assert handed == [1, 10, 11]


def test_a_wake_up_naming_an_event_already_drained_still_drains_the_topics_others(coalesced):
    handed, _ = coalesced
    # given two events, the second one drained by an earlier wake-up before the first committed
    first, second = _emit(1), _emit(2)
    OutboxEvent.objects.filter(pk=second).update(status=OutboxStatus.DONE, done_handlers=[
        r.name for r in outbox.handlers_for("core.Tick")])
    # when the worker takes the wake-up that names the done one
    outbox.dispatch(second, in_worker=True)
    # then the first is drained all the same
    assert drained == [[1]]
    assert OutboxEvent.objects.get(pk=first).status == OutboxStatus.DONE
    assert set(handed) <= {first, second}


@pytest.mark.database_free
def test_events_handed_over_in_one_window_reach_the_worker_in_two_tasks_the_first_alone_then_the_rest_together(
        coalesced):
    handed, arrived = coalesced
    # when ten events whose handlers run in the worker commit within the window
    for event_id in range(1, 11):
        outbox._handoffs.hand_over(event_id)
    # then the first went at once, alone, and the nine others wait for one trailing hand-over
    assert handed == [[1]]
    arrived.clear()
    assert arrived.wait(2)
    assert handed == [[1], [2, 3, 4, 5, 6, 7, 8, 9, 10]]
    # and an event after a quiet window goes at once again
    time.sleep(0.31)
    outbox._handoffs.hand_over(11)
    assert handed == [[1], [2, 3, 4, 5, 6, 7, 8, 9, 10], [11]]


def test_a_coalesced_hand_over_runs_each_events_handlers_in_the_worker_one_failure_holding_up_none(coalesced):
    handed, arrived = coalesced
    # given three events of a background topic committed one after the other within the window
    ids = [_emit_tock(n) for n in (12, 13, 14)]
    arrived.clear()
    assert arrived.wait(2)
    # then the process handed the first over alone, then the two others in one task, after their commits
    assert handed == [ids[:1], ids[1:]] and reacted == []
    # when the worker runs those tasks
    assert tasks.dispatch_in_worker.call_local(handed[0]) is True
    assert tasks.dispatch_in_worker.call_local(handed[1]) is False
    # then every event's handler ran, except the failing one's, which the relay retries; the others are done
    assert reacted == [12, 14]
    status = dict(OutboxEvent.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert status == {ids[0]: OutboxStatus.DONE, ids[1]: OutboxStatus.PENDING, ids[2]: OutboxStatus.DONE}
    assert OutboxEvent.objects.get(pk=ids[1]).attempts == 1


def _emit_tock(n: int) -> int:
    with transaction.atomic():
        return outbox.emit(Tock(n)).pk


def _handed_tucks(count: int) -> tuple[list[int], int]:
    """`count` Tuck events handed to the worker in one list: (their ids, the statements it ran)."""
    with outbox.deferred_dispatch(), transaction.atomic():
        ids = [outbox.emit(Tuck(n)).pk for n in range(count)]
    with CaptureQueriesContext(connection) as captured:
        assert tasks.dispatch_in_worker.call_local(ids) is True
    return ids, len(captured.captured_queries)


def test_a_hand_over_runs_its_events_reactions_in_one_transaction_and_drains_their_batch_once(coalesced):
    # when the worker takes a process's hand-over of three events, then one of ten
    ids, three = _handed_tucks(3)
    more, ten = _handed_tucks(10)
    # then each event's reactions ran once, in order, a reaction's batched form and the batch handler
    # each took a list at once
    assert tucked == [*[("first", n) for n in range(3)], ("second, together", 3), ("batch", 3),
                      *[("first", n) for n in range(10)], ("second, together", 10), ("batch", 10)]
    assert set(OutboxEvent.objects.filter(pk__in=ids + more).values_list("status", flat=True)) == {OutboxStatus.DONE}
    # and the outbox's own statements do not grow with the events (seven reactions of a placed order
    # were seven transactions, each locking and updating the event's row: issue 23)
    assert ten == three

"""Wake-ups of the worker for batch-only topics, coalesced per process (outbox._Wakes): one task per
topic per window, a trailing one for the events of the window, and a drain that never misses an
event whose named event another drain already took."""

import threading
import time
from dataclasses import dataclass

import pytest
from django.db import transaction

from omnicanal.core import outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.wakes import Wakes

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Tick:
    n: int


drained: list[list[int]] = []


@outbox.handles("core.Tick", batch=True)
def tally(batch: list[outbox.Envelope]) -> None:
    drained.append([event["n"] for event in batch])


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
    monkeypatch.setattr(outbox, "_wakes", wakes)
    monkeypatch.setattr(outbox, "_worker_entry", entry)
    drained.clear()
    return handed, arrived


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

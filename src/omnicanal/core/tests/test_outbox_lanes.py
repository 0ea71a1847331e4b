"""A batch topic drained in lanes (core.lanes): its events split by the lane their payload names,
each lane drained by one drain at a time in the order written, two lanes at once; events that name
no lane, or a lane beyond the count, are not left behind; nothing is handled twice."""

import threading
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from omnicanal.core import lanes, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.testing import worker_queued

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = "core.Sorted"


@dataclass(frozen=True)
class Sorted:  # stands for conversations.InboundAccepted: one sender's lines in one lane
    sender: str
    n: int
    lane: int


batches: list[list[tuple[str, int]]] = []
hold = {"n": None}
holding, release = threading.Event(), threading.Event()


@outbox.handles(TOPIC, batch=True, lanes=2)
def sort(batch: list[outbox.Envelope]) -> None:
    if any(event["n"] == hold["n"] for event in batch):
        holding.set()
        release.wait(30)
    batches.append([(event["sender"], event["n"]) for event in batch])


@pytest.fixture(autouse=True)
def queued_worker():
    """The worker not immediate: events wait for a drain, as under load."""
    batches.clear()
    hold["n"] = None
    holding.clear()
    release.clear()
    with worker_queued():
        yield


def _senders() -> dict[int, list[str]]:
    """Two senders in each lane."""
    found: dict[int, list[str]] = {0: [], 1: []}
    for n in range(100):
        sender = f"+5698765{n:04d}"
        lane = lanes.lane_of(sender, 2)
        if len(found[lane]) < 2:
            found[lane].append(sender)
    return found


def _emit_lines(senders: list[str], count: int) -> None:
    for n in range(count):
        sender = senders[n % len(senders)]
        with transaction.atomic():
            outbox.emit(Sorted(sender, n, lanes.lane_of(sender, 2)))


def _statuses() -> set[str]:
    return set(OutboxEvent.objects.filter(topic=TOPIC).values_list("status", flat=True))


@pytest.mark.database_free
def test_a_key_always_has_the_same_lane_and_keys_spread_over_the_lanes():
    keys = [f"whatsapp:5698765{n:04d}" for n in range(200)]
    assert [lanes.lane_of(key, 2) for key in keys] == [lanes.lane_of(key, 2) for key in keys]
    share = sum(lanes.lane_of(key, 2) for key in keys) / len(keys)
    assert 0.35 < share < 0.65
    assert {lanes.lane_of(key, 1) for key in keys} == {0}


def test_each_batch_is_one_lanes_events_in_the_order_written_each_handled_once():
    # given lines of four senders, two in each lane, interleaved
    senders = _senders()
    everyone = [senders[0][0], senders[1][0], senders[0][1], senders[1][1]]
    _emit_lines(everyone, 12)
    # when the worker drains the topic (then the relay looks again)
    assert outbox.run_batches(TOPIC) == 12
    assert outbox.run_batches(TOPIC) == 0
    # then each batch holds one lane's lines, and every sender's lines came in the order written
    assert len(batches) == 2
    for batch in batches:
        assert len({lanes.lane_of(sender, 2) for sender, _n in batch}) == 1
    for sender in everyone:
        lines = [n for batch in batches for who, n in batch if who == sender]
        assert lines == sorted(lines) and len(lines) == 3
    assert _statuses() == {OutboxStatus.DONE}


def test_a_lane_is_cut_at_the_limit_and_the_rest_waits_for_its_next_batch():
    # given seven lines of one lane's sender
    sender = _senders()[1][0]
    _emit_lines([sender], 7)
    # when the topic is drained three at a time
    assert outbox.run_batches(TOPIC, limit=3) == 7
    # then that lane's batches came in order, cut at the limit
    assert batches == [[(sender, 0), (sender, 1), (sender, 2)], [(sender, 3), (sender, 4), (sender, 5)],
                       [(sender, 6)]]


def test_events_that_name_no_lane_or_a_lane_beyond_the_count_are_drained_by_lane_zero():
    # given lines written before the topic had lanes, and one written when it had more
    with transaction.atomic():
        before = outbox.emit(Sorted("+56911111111", 1, lane=1))
        OutboxEvent.objects.filter(pk=before.pk).update(payload={"sender": "+56911111111", "n": 1})
        outbox.emit(Sorted("+56922222222", 2, lane=5))
    # when only lane 0 is drained
    assert outbox.run_batches(TOPIC, lane=0) == 2
    # then it took both; lane 1 finds nothing
    assert batches == [[("+56911111111", 1), ("+56922222222", 2)]]
    assert outbox.run_batches(TOPIC, lane=1) == 0
    assert _statuses() == {OutboxStatus.DONE}


@pytest.mark.postgres
def test_two_lanes_are_drained_at_once_while_each_lane_has_one_drain():
    senders = _senders()
    # given a drain holding lane 0 (its handler still running on lane 0's first line)
    _emit_lines([senders[0][0]], 1)
    hold["n"] = 0

    def first_drain() -> None:
        try:
            outbox.run_batches(TOPIC, lane=0)
        finally:
            connection.close()

    thread = threading.Thread(target=first_drain)
    thread.start()
    try:
        assert holding.wait(20)
        # when lines of both lanes arrive meanwhile and a second drain runs
        _emit_lines([senders[0][1], senders[1][0]], 4)
        handled = outbox.run_batches(TOPIC)
        # then it stored lane 1's at once, and left lane 0 to the drain holding it
        assert handled == 2
        assert batches == [[(senders[1][0], 1), (senders[1][0], 3)]]
        assert OutboxEvent.objects.filter(topic=TOPIC, status=OutboxStatus.PENDING).count() == 3
    finally:
        release.set()
        thread.join(30)
    # and that drain, looking again after its commit, took lane 0's lines in order: each once
    lane_zero = [line for batch in batches[1:] for line in batch]
    assert lane_zero == [(senders[0][0], 0), (senders[0][1], 0), (senders[0][1], 2)]
    assert _statuses() == {OutboxStatus.DONE}

"""Batched outbox handlers: several events of a topic claimed in one transaction, handed over in the
order they were written, each marked done for each handler exactly once."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection, transaction

from omnicanal.core import clock, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.testing import worker_queued

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class ChatLine:
    conversation_id: str
    n: int


batches: list[list[int]] = []
singles: list[int] = []
broken = {"n": set(), "note": set()}


@outbox.handles("core.ChatLine", batch=True)
def tally(batch: list[outbox.Envelope]) -> None:
    if any(event["n"] in broken["n"] for event in batch):
        raise ConnectionError("the tally is down")
    batches.append([event["n"] for event in batch])


@outbox.handles("core.ChatLine")
def note(event: outbox.Envelope) -> None:
    if event["n"] in broken["note"]:
        raise ConnectionError("the note is down")
    singles.append(event["n"])


@pytest.fixture(autouse=True)
def _reset():
    batches.clear()
    singles.clear()
    broken["n"] = set()
    broken["note"] = set()


@pytest.fixture
def queued_worker():
    """The worker not immediate: events wait for it, as under load."""
    with worker_queued():
        yield


def _done_handlers() -> list[list[str]]:
    return [row.done_handlers for row in OutboxEvent.objects.filter(topic="core.ChatLine").order_by("pk")]


def test_a_batch_handler_runs_in_the_worker_after_commit_and_the_event_is_done_once():
    # given huey in immediate mode (tests): the worker's task runs at once
    with transaction.atomic():
        outbox.emit(ChatLine("cnv_1", 1))
        assert batches == []
    assert batches == [[1]] and singles == [1]
    row = OutboxEvent.objects.get(topic="core.ChatLine")
    assert row.status == OutboxStatus.DONE
    assert sorted(row.done_handlers) == sorted({r.name for r in outbox.handlers_for("core.ChatLine")})


def test_the_worker_claims_many_pending_events_in_one_batch_in_the_order_they_were_written(queued_worker):
    # given five messages written while the worker was busy (two conversations, interleaved)
    for n in range(5):
        with transaction.atomic():
            outbox.emit(ChatLine(f"cnv_{n % 2}", n))
    assert batches == []
    # when the worker takes the first event's task
    first = OutboxEvent.objects.filter(topic="core.ChatLine").order_by("pk").first()
    outbox.dispatch(first.pk, in_worker=True)
    # then all five went in one batch, oldest first (each conversation's lines in order)
    assert batches == [[0, 1, 2, 3, 4]]
    assert set(OutboxEvent.objects.filter(topic="core.ChatLine").values_list("status", flat=True)) == {OutboxStatus.DONE}
    # and the other events' tasks, and the relay, find nothing left to do: nothing runs twice
    for row in OutboxEvent.objects.filter(topic="core.ChatLine"):
        outbox.dispatch(row.pk, in_worker=True)
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        outbox.dispatch_due()
    assert batches == [[0, 1, 2, 3, 4]] and sorted(singles) == [0, 1, 2, 3, 4]
    for done in _done_handlers():
        assert len(done) == len(set(done)) == 2


def test_batches_are_cut_at_the_limit_and_keep_their_order(queued_worker):
    for n in range(7):
        with transaction.atomic():
            outbox.emit(ChatLine("cnv_1", n))
    assert outbox.run_batches("core.ChatLine", limit=3) == 7
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_failing_batch_is_retried_one_event_at_a_time_so_one_bad_event_holds_up_no_other(queued_worker):
    for n in range(4):
        with transaction.atomic():
            outbox.emit(ChatLine("cnv_1", n))
    broken["n"] = {2}
    outbox.run_batches("core.ChatLine")
    # the good ones went through on their own; the bad one waits for the relay with a backoff
    assert batches == [[0], [1], [3]]
    bad = OutboxEvent.objects.get(topic="core.ChatLine", payload__n=2)
    assert bad.status == OutboxStatus.PENDING and bad.attempts == 1 and "the tally is down" in bad.last_error
    # when the tally is back, the relay finishes it, once
    broken["n"] = set()
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        outbox.dispatch_due()
    assert batches == [[0], [1], [3], [2]]
    assert set(OutboxEvent.objects.filter(topic="core.ChatLine").values_list("status", flat=True)) == {OutboxStatus.DONE}
    for done in _done_handlers():
        assert len(done) == len(set(done))


def test_a_rolled_back_transaction_hands_nothing_to_the_batch():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.emit(ChatLine("cnv_1", 9))
        raise RuntimeError("the caller failed")
    assert batches == [] and not OutboxEvent.objects.filter(topic="core.ChatLine").exists()


def test_a_drain_stops_before_an_event_whose_one_at_a_time_handlers_have_not_run_yet(queued_worker):
    for n in range(3):
        with transaction.atomic():
            outbox.emit(ChatLine("cnv_1", n))
    # given the second line just committed: its in-process handler has not run yet
    second = OutboxEvent.objects.filter(topic="core.ChatLine").order_by("pk")[1]
    OutboxEvent.objects.filter(pk=second.pk).update(done_handlers=[])
    # when a drain runs, it takes the first line only: the third waits behind the second (order)
    outbox.run_batches("core.ChatLine")
    assert batches == [[0]]
    # then once the second's own dispatch ran its handler, the drain takes the rest in order
    outbox.dispatch(second.pk, in_worker=True)
    assert batches == [[0], [1, 2]]
    assert set(OutboxEvent.objects.filter(topic="core.ChatLine").values_list("status", flat=True)) == {OutboxStatus.DONE}


def test_an_event_in_backoff_holds_up_no_other(queued_worker):
    # given the second line's in-process handler failed: it waits for the relay's retry
    broken["note"] = {1}
    for n in range(3):
        with transaction.atomic():
            outbox.emit(ChatLine("cnv_1", n))
    outbox.run_batches("core.ChatLine")
    assert batches == [[0, 2]]
    broken["note"] = set()
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        outbox.dispatch_due()
    assert batches == [[0, 2], [1]] and sorted(singles) == [0, 1, 2]
    for done in _done_handlers():
        assert len(done) == len(set(done)) == 2


def test_buffered_emits_write_one_insert_in_order_and_drop_a_failed_blocks_events(queued_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, transaction.atomic(), outbox.buffered_emits():
        outbox.emit(ChatLine(conversation_id="c1", n=1))
        with pytest.raises(ValueError), transaction.atomic(), outbox.buffered_emits():
            outbox.emit(ChatLine(conversation_id="c1", n=2))
            raise ValueError("this item is refused")
        with transaction.atomic(), outbox.buffered_emits():
            outbox.emit(ChatLine(conversation_id="c1", n=3))
        assert not OutboxEvent.objects.exists()  # nothing written before the outer block ends
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_outboxevent"')]
    assert len(inserts) == 1
    assert [e.payload["n"] for e in OutboxEvent.objects.order_by("pk")] == [1, 3]


@pytest.mark.django_db
def test_outbox_rows_bulk_updated_alike_take_one_update_per_set_of_values():
    """A drained batch's rows end alike: one plain UPDATE for them, not a CASE per row and field."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = clock.now()
    rows = [OutboxEvent.objects.create(topic="t.T", payload={"n": n}, created_at=now) for n in range(5)]
    for row in rows[:4]:
        row.done_handlers, row.status, row.dispatched_at = ["a", "b"], OutboxStatus.DONE, now
    rows[4].done_handlers = ["a"]
    with CaptureQueriesContext(connection) as queries:
        changed = OutboxEvent.objects.bulk_update(rows, ["done_handlers", "status", "dispatched_at", "next_attempt_at"])
    assert changed == 5 and len(queries.captured_queries) == 2
    assert "CASE" not in " ".join(q["sql"] for q in queries.captured_queries)
    stored = {e.pk: (e.done_handlers, e.status, e.dispatched_at) for e in OutboxEvent.objects.all()}
    assert [stored[r.pk] for r in rows] == [(["a", "b"], OutboxStatus.DONE, now)] * 4 + [(["a"], OutboxStatus.PENDING, None)]


def test_events_whose_batch_handlers_ran_are_not_claimed_again_while_their_other_handler_is_late(queued_worker):
    from django.test.utils import CaptureQueriesContext

    # given three lines the tally took, whose one-at-a-time note is late (its task still queued,
    # past the relay's grace, as behind a backed-up main queue)
    tally_name = next(r.name for r in outbox.handlers_for("core.ChatLine") if r.batch)
    for n in range(3):
        with transaction.atomic():
            outbox.emit(ChatLine("cnv_1", n))
    OutboxEvent.objects.filter(topic="core.ChatLine").update(done_handlers=[tally_name])
    singles.clear()  # (it ran after each commit here; the rows now say it did not)
    # when a drain runs (batches of two)
    with clock.frozen(clock.now() + timedelta(seconds=6)), CaptureQueriesContext(connection) as drain:
        handled = outbox.run_batches("core.ChatLine", limit=2)
    # then it finds nothing to do at once: no batch of nothing, claimed again round after round
    assert handled == 0 and batches == []
    assert len(drain.captured_queries) < 10
    # and the note, when its task runs, finishes each line, once
    for row in OutboxEvent.objects.filter(topic="core.ChatLine"):
        outbox.dispatch(row.pk, in_worker=True)
    assert sorted(singles) == [0, 1, 2] and batches == []
    assert set(OutboxEvent.objects.filter(topic="core.ChatLine").values_list("status", flat=True)) == {OutboxStatus.DONE}

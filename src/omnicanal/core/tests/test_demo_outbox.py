from dataclasses import dataclass

import pytest
from django.db import transaction

from omnicanal.core import demo_outbox, outbox
from omnicanal.core.models import OutboxEvent, OutboxStatus

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class ShelfFilled:
    shelf: str


@dataclass(frozen=True)
class ShelfCounted:
    shelf: str


seen: dict[str, list] = {"one": [], "many": [], "in_transaction": []}


@outbox.handles("core.ShelfFilled")
def count_shelf(event: outbox.Envelope) -> None:
    seen["one"].append(event["shelf"])
    seen["in_transaction"].append(transaction.get_connection().in_atomic_block)
    outbox.emit(ShelfCounted(event["shelf"]))  # a handler's own event: drained too


def note_shelf(event: outbox.Envelope) -> None:
    seen["many"].append([event["shelf"]])


note_shelf.many = lambda events: seen["many"].append([e["shelf"] for e in events])  # type: ignore[attr-defined]
outbox.handles("core.ShelfFilled")(note_shelf)
outbox.handles("core.ShelfCounted")(note_shelf)


@pytest.fixture(autouse=True)
def _reset():
    for found in seen.values():
        found.clear()


def test_the_demo_drain_runs_each_handler_once_per_event_after_the_commit_several_per_transaction():
    def load():
        for shelf in ("a", "b", "c"):
            outbox.emit(ShelfFilled(shelf))

    assert demo_outbox.load_then_drain(load) == 6
    assert seen["one"] == ["a", "b", "c"]
    assert seen["in_transaction"] == [True, True, True]  # the chunk's transaction, after the load's commit
    assert seen["many"] == [["a", "b", "c"], ["a", "b", "c"]]  # one call per chunk: the fills, then the counts
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}
    assert demo_outbox.drain(0) == 0  # nothing left pending


def test_a_failing_chunk_falls_back_to_one_event_at_a_time():
    def load():
        outbox.emit(ShelfFilled("x"))

    original = note_shelf.many
    note_shelf.many = lambda events: (_ for _ in ()).throw(ConnectionError("down"))  # type: ignore[attr-defined]
    try:
        demo_outbox.load_then_drain(load)
    finally:
        note_shelf.many = original  # type: ignore[attr-defined]
    assert seen["one"][-1] == "x" and ["x"] in seen["many"]  # outbox.dispatch ran the plain handler form

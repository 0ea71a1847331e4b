"""The one invariant checker (web/invariants.py, `omnicanal invariants`) finds what each owning domain's
query says is wrong: a handler run twice, and once settled an event not done or an Idempotency-Key
never answered; figures come from each domain. The cluster's fault drill (test_cluster.py) reads it
after its faults; a restore reads it without --settled (a backup may be taken mid-flight)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from omnicanal.core import clock
from omnicanal.core.models import IdempotencyRecord, OutboxEvent, OutboxStatus
from omnicanal.web import invariants

pytestmark = pytest.mark.django_db


def _event(status: str = OutboxStatus.DONE, handlers: list | None = None) -> OutboxEvent:
    return OutboxEvent.objects.create(topic="orders.OrderPlaced", payload={}, created_at=clock.now(), status=status,
                                      done_handlers=handlers or [])


def test_a_sound_database_has_no_problem_and_its_figures_from_every_domain():
    _event(handlers=["loyalty.accrue", "customers.timeline"])
    found = invariants.problems(settled=True)
    assert set(found) == {"stock", "ledger", "messages", "outbox", "idempotency"}
    assert not any(found.values())
    figures = invariants.figures()
    assert {"orders", "order_units", "on_hand", "reserved", "movements", "held_units", "transfers_posted",
            "messages_in", "conversations", "events", "events_done"} <= set(figures)
    assert figures["events"] == figures["events_done"] == 1


def test_a_handler_recorded_twice_on_one_event_is_a_problem_settled_or_not():
    event = _event(handlers=["loyalty.accrue", "customers.timeline", "loyalty.accrue"])
    for settled in (False, True):
        (problem,) = invariants.problems(settled=settled)["outbox"]
        assert f"event {event.pk}" in problem and "handler ran twice: loyalty.accrue" in problem


def test_once_settled_an_event_not_done_and_a_key_never_answered_are_problems():
    waiting = _event(status=OutboxStatus.PENDING)
    now = clock.now()
    IdempotencyRecord.objects.create(scope="s", key="order-17", request_hash="h", owner="vm:1:2", created_at=now,
                                     expires_at=now + timedelta(hours=24))
    # a restore's check: a backup taken mid-flight holds both, and nothing is wrong with that
    assert not any(invariants.problems().values())
    found = invariants.problems(settled=True)
    assert found["outbox"] == [f"event {waiting.pk} (orders.OrderPlaced) is pending after 0 attempt(s)"]
    assert "Idempotency-Key 'order-17' claimed by vm:1:2" in found["idempotency"][0]


def test_the_command_prints_problems_and_figures_as_json_and_exits_1_on_a_problem():
    _event(status=OutboxStatus.FAILED)
    out = StringIO()
    call_command("invariants", "--json", stdout=out)  # not settled: a failed event is no invariant broken
    report = json.loads(out.getvalue())
    assert {"problems", "figures", "rows"} <= set(report) and report["figures"]["events_done"] == 0
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("invariants", "--json", "--settled", stdout=out)
    assert "is failed after 0 attempt(s)" in json.loads(out.getvalue())["problems"]["outbox"][0]

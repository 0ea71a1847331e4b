"""outbox.written(): a prepared event (written by a domain's own statement) is dispatched like emit()'s:
at once when its statement ran in autocommit (without on_commit()'s wrappers since issue 23), after
the commit inside a transaction, and collected under collected_dispatch()."""

import pytest
from django.db import connection, transaction

from omnicanal.core import outbox
from omnicanal.core.outbox import PreparedEvent

pytestmark = pytest.mark.django_db(transaction=True)

PENDING = PreparedEvent(topic="tests.Written", payload_json="{}", status="pending")


@pytest.fixture
def dispatched(monkeypatch):
    seen = []
    monkeypatch.setattr(outbox, "_dispatch_after_commit", lambda event_id, topic="": seen.append((event_id, topic)))
    return seen


def test_in_autocommit_it_is_dispatched_at_once(dispatched):
    outbox.written(PENDING, 7)
    assert dispatched == [(7, "tests.Written")]
    outbox.written(PENDING, 8, connection)  # the caller's wrapper, as the reserve hot path hands it
    assert dispatched == [(7, "tests.Written"), (8, "tests.Written")]


def test_inside_a_transaction_only_after_the_commit_and_never_after_a_rollback(dispatched):
    with transaction.atomic():
        outbox.written(PENDING, 7)
        assert dispatched == []
    assert dispatched == [(7, "tests.Written")]
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.written(PENDING, 8)
        raise RuntimeError
    assert dispatched == [(7, "tests.Written")]


def test_collected_dispatch_collects_it_even_in_autocommit(dispatched):
    with outbox.collected_dispatch() as ids:
        outbox.written(PENDING, 7)
    assert ids == [7] and dispatched == []


def test_an_event_written_done_is_not_dispatched(dispatched):
    outbox.written(PreparedEvent(topic="tests.Written", payload_json="{}", status="done"), 7)
    assert dispatched == []


def test_inside_a_transaction_with_the_callers_wrapper_it_waits_for_that_commit(dispatched):
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        outbox.written(PENDING, 9, wrapper)  # registered on the wrapper itself, not looked up again
        assert dispatched == [] and len(wrapper.run_on_commit) == 1
    assert dispatched == [(9, "tests.Written")]
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.written(PENDING, 10, wrapper)
        raise RuntimeError
    assert dispatched == [(9, "tests.Written")]

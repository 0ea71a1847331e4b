"""What the background worker pays for a placed order's reactions (the timeline, analytics, marketing,
feedback, the customer's confirmation, outbound webhooks): a process hands the worker its placed orders
together (core.wakes.Handoffs), and the worker runs them in one transaction, each reaction with a
batched form given them at once (core.outbox.dispatch_many in_worker). Issue 23: in the flash sale the
worker shares the two cores with the web processes, and was running ~65 statements per order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnicanal.core import tasks, testing
from omnicanal.core.models import OutboxEvent
from omnicanal.orders.tests.helpers import place

pytestmark = pytest.mark.django_db(transaction=True)

# Measured (2026-12-07) for ten orders of one customer handed over together, everything counted
# (savepoints too), the same on SQLite and PostgreSQL: 1,037 statements before (one transaction per
# event and handler, analytics one order at a time), 55 after (one transaction; analytics, marketing,
# feedback, the timeline and the webhooks' fan-out each in a few statements for the ten). A new
# statement per order here is paid by every order of a sale.
ORDERS = 10
CAP_PER_ORDER = 7


def _reactions_of(api, customer_id, count: int) -> tuple[list[int], int]:
    with testing.worker_queued():  # the hand-over waits for the worker, as under load
        for n in range(count):
            answer = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id, headers={"Idempotency-Key": f"r{n}"})
            assert answer.status_code == 201, answer.content
    ids = list(OutboxEvent.objects.filter(topic="orders.OrderPlaced").order_by("pk").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        assert tasks.dispatch_in_worker.call_local(ids) is True
    return ids, len(captured.captured_queries)


def test_a_hand_over_of_placed_orders_runs_their_reactions_in_a_capped_number_of_statements(api, customer_id):
    # when the worker takes ten placed orders handed over together
    ids, statements = _reactions_of(api, customer_id, ORDERS)
    # then every reaction ran (the events are done), within the cap
    assert len(ids) == ORDERS
    assert set(OutboxEvent.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"done"}
    assert statements <= CAP_PER_ORDER * ORDERS, statements

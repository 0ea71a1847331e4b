"""A checkout through the API costs a fixed handful of statements, whatever its number of lines
(issue 23: per-order CPU in the flash sale; docs/orders.md, Benchmark). Each statement is a round
trip and the ORM's work to build it, paid by every buyer while the server's CPU is the limit."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnicanal.orders.tests.helpers import place

# Measured (issue 23) inside a test's transaction, savepoints aside: 21 on SQLite, 7 on PostgreSQL
# (2026-12-07: the order, its lines, fulfilments, their lines and payments in ONE statement there,
# core.rows.insert_linked), where the stock's candidates, the reservation and (since the fifth pass)
# that statement are statements libpq runs itself (core.libpq), unseen here: 6. The same for one line or fifty. A new statement on this path must be
# worth a buyer's wait: raise the cap only for one.
CAP = {"sqlite": 23, "postgresql": 8}


def _statements(api, customer_id, lines, key):
    with CaptureQueriesContext(connection) as captured:
        response = place(api, lines=lines, customer_id=customer_id, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.content
    # The test's own transaction turns the request's atomic blocks into savepoints: not counted.
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"][:20]]


def test_a_multi_line_checkout_runs_a_capped_number_of_statements(api, customer_id):
    # given the order path warmed once (per-process memos: channels, settings)
    _statements(api, customer_id, [("SOCK-1", 1)], "warm")
    # when a three-line order is placed, from one location, with an Idempotency-Key
    statements = _statements(api, customer_id, [("SHOE-40", 1), ("SHOE-41", 1), ("SOCK-1", 2)], "three-lines")
    # then it stays within the cap
    assert len(statements) <= CAP[connection.vendor], "\n".join(statements)


def test_a_checkout_costs_the_same_statements_for_one_line_or_three(api, customer_id):
    # given the order path warmed once
    _statements(api, customer_id, [("SOCK-1", 1)], "warm")
    # when a one-line and a three-line order are placed the same way
    one = _statements(api, customer_id, [("SHOE-40", 1)], "one-line")
    three = _statements(api, customer_id, [("SHOE-40", 1), ("SHOE-41", 1), ("SOCK-1", 2)], "three-lines")
    # then no statement is repeated per line: the same statements run, lines travel in them
    assert len(three) == len(one), "\n".join(three)

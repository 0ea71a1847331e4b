"""The invariants every database must pass, asked of the domains that own them: after a restore
(`omnicanal restore`, `omnicanal invariants`), and after any drill that could have broken them (the
cluster's fault drill: deploy/cluster.py `check` runs `omnicanal invariants --settled --json`). The one
checker: nothing else reads these tables to judge them.

- stock: each stock row's on hand is the sum of its movements, reserved is within it and equals
  what active reservations hold (inventory.queries.stock_problems);
- ledger: every unit and posted transfer balances, cached balances equal their entries and none is
  negative (loyalty.queries.books_problems);
- messages: each inbound message a provider delivered is stored once, in a conversation of a
  customer, and no customer has two active conversations (conversations.queries.message_problems);
- outbox: no handler ran twice for one event (core.queries.outbox_problems).

Settled (`settled=True`: the workers idle and nothing arriving, as after a drill; never after a
restore, whose backup may have been taken mid-flight) adds:
- outbox: every event done;
- idempotency: no Idempotency-Key claimed and never answered (an order lost, or doubled by a
  client that gave up and retried under a new key) (core.queries.idempotency_problems).

The figures (orders, units, stock, movements, reservations, ledger transfers, messages, events)
compare a drill's before and after; row counts of every table compare a restored copy with its original.
"""

from __future__ import annotations

from django.db import connection

from omnicanal.conversations import queries as conversations
from omnicanal.core import queries as core
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import queries as loyalty
from omnicanal.orders import queries as orders


def problems(*, settled: bool = False) -> dict[str, list[str]]:
    """{invariant: [what is wrong]}; every list empty when the data is sound."""
    found = {"stock": inventory.stock_problems(), "ledger": loyalty.books_problems(),
             "messages": conversations.message_problems(), "outbox": core.outbox_problems(settled=settled)}
    if settled:
        found["idempotency"] = core.idempotency_problems()
    return found


def figures() -> dict[str, int]:
    """The business's totals, by the domain that owns each: what a drill's before and after compare."""
    return {**orders.order_figures(), **inventory.stock_figures(), **loyalty.books_figures(),
            **conversations.message_figures(), **core.outbox_figures()}


def row_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts

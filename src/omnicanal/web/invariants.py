"""The invariants every database must pass, asked of the domains that own them: after a restore
(`omnicanal restore`, `omnicanal invariants`), and after any drill that could have broken them.

- stock: each stock row's on hand is the sum of its movements, reserved is within it and equals
  what active reservations hold (inventory.queries.stock_problems);
- ledger: every unit and posted transfer balances, cached balances equal their entries and none is
  negative (loyalty.queries.books_problems).

Row counts of every table come along, to compare a restored copy with its original.
"""

from __future__ import annotations

from django.db import connection

from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import queries as loyalty


def problems() -> dict[str, list[str]]:
    """{invariant: [what is wrong]}; every list empty when the data is sound."""
    return {"stock": inventory.stock_problems(), "ledger": loyalty.books_problems()}


def row_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts

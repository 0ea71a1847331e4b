"""The ledger's hot path on PostgreSQL: a posted transfer in ONE call of a PL/pgSQL function.

`loyalty_transfer` (sql/transfer.sql, loaded by migration 0006) does in one round trip what
services.ledger's ORM path does in seven to ten: the idempotency check, the balance check under the
customer account's row lock (one conditional UPDATE), the transfer, its two entries, the cached
balances and the lots. System accounts are never locked. In autocommit the call is the whole
transaction, so no client round trip ever happens under a lock; inside a caller's transaction the
lock is held until its commit, as on the ORM path. `loyalty_transfers` posts many transfers in one
call (the batched form): every customer account of the batch is locked first, in primary-key order.

Run through libpq, prepared once per connection (core.libpq.HotStatement). SQLite has no such
function: the ledger posts through the ORM there, with the same rule and the same outcomes (the same
tests run on both engines).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from omnicanal.core.libpq import HotStatement

_ARGS = ("key", "public_id", "kind", "unit", "amount", "debit", "debit_system", "credit", "credit_system", "reverses",
         "reference", "payment", "channel", "memo", "actor", "metadata", "now", "lot_expires_at", "carry_lots")
_CASTS = {"amount": "numeric", "debit": "bigint", "debit_system": "boolean", "credit": "bigint",
          "credit_system": "boolean", "reverses": "bigint", "metadata": "jsonb", "now": "timestamptz",
          "lot_expires_at": "timestamptz", "carry_lots": "boolean"}
_POST = HotStatement(
    "omnicanal_loyalty_transfer",
    "SELECT outcome, transfer_id, available FROM loyalty_transfer("
    + ", ".join(f"%({name})s::{_CASTS.get(name, 'text')}" for name in _ARGS) + ")",
)
_POST_MANY = HotStatement(
    "omnicanal_loyalty_transfers",
    "SELECT outcome, transfer_id, available FROM loyalty_transfers(%(items)s::jsonb)",
)

POSTED, EXISTING, SHORT, CLOSED = "posted", "existing", "short", "closed"
CLOSED_MEANWHILE = "loyalty_account_closed"


class ClosedMeanwhile(Exception):
    """A credited account was closed between the function's check and its lock (an erasure won the
    race): nothing of the call was written, and the caller's transaction, if any, is aborted."""


@dataclass(frozen=True)
class Outcome:
    """What the function did: POSTED (written), EXISTING (the key was already used: `transfer_id`
    names that transfer), SHORT (the debited account holds only `available`) or CLOSED (the credited
    account is closed). Nothing is written unless POSTED."""

    outcome: str
    transfer_id: int | None
    available: Decimal | None


@dataclass(frozen=True)
class Call:
    """The parameters of one transfer, as loyalty_transfer takes them."""

    key: str
    public_id: str
    kind: str
    unit: str
    amount: Decimal
    debit: int
    debit_system: bool
    credit: int
    credit_system: bool
    reverses: int | None
    reference: str
    payment: str
    channel: str
    memo: str
    actor: str
    metadata: dict
    now: datetime
    lot_expires_at: datetime | None
    carry_lots: bool


def in_use() -> bool:
    """True where the functions exist: PostgreSQL."""
    return connection.vendor == "postgresql"


def _outcome(row: tuple[str | None, ...]) -> Outcome:
    outcome, transfer_id, available = row
    assert outcome is not None
    return Outcome(outcome, None if transfer_id is None else int(transfer_id),
                   None if available is None else Decimal(available))


def post_at_once(call: Call) -> Outcome:
    params = {name: getattr(call, name) for name in _ARGS}
    params["amount"] = str(call.amount)
    params["metadata"] = json.dumps(call.metadata)
    with _closed_meanwhile():
        [row] = _POST.run(params)
    return _outcome(row)


def post_many_at_once(calls: list[Call]) -> list[Outcome]:
    """One call for all of `calls`, in order; one outcome each."""
    items = [
        {**{name: getattr(call, name) for name in _ARGS}, "amount": str(call.amount), "now": call.now.isoformat(),
         "lot_expires_at": call.lot_expires_at.isoformat() if call.lot_expires_at else None}
        for call in calls
    ]
    with _closed_meanwhile():
        rows = _POST_MANY.run({"items": json.dumps(items)})
    return [_outcome(row) for row in rows]


@contextmanager
def _closed_meanwhile():
    import psycopg

    try:
        yield
    except psycopg.errors.CheckViolation as error:
        if error.diag.constraint_name == CLOSED_MEANWHILE:
            raise ClosedMeanwhile from error
        raise

"""An event written with the COMMIT: `emit_with_commit(event)` is `outbox.emit()` for a hot path whose
transaction ends right after it (an order's placement: issue 23). On PostgreSQL, inside an outermost
atomic() that will commit, the event's INSERT rides with that COMMIT (core.laststep.ride, `lead`:
ahead of the hot rows' writes, so their locks are not held while it runs), in the same round trip;
once committed it is dispatched exactly as emit() dispatches (outbox.written). Anywhere else it is
written at once (outbox.emit_many).

What the caller gives up: the event's id is not known inside the transaction (emit() returns its
row), and nothing in the transaction may read the row back (it is not there until the COMMIT).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from omnicanal.core import clock, laststep, outbox
from omnicanal.core.libpq import HotStatement
from omnicanal.core.models import OutboxEvent

_INSERT = HotStatement(
    "omnicanal_outbox_with_commit",
    f'INSERT INTO "{OutboxEvent._meta.db_table}" (topic, payload, created_at, status, done_handlers, attempts, '
    "next_attempt_at, last_error, dispatched_at, streamed_at, request_id) VALUES (%(topic)s, %(payload)s::jsonb, "
    "%(created_at)s::timestamptz, %(status)s, '[]'::jsonb, 0, NULL, '', NULL, NULL, %(request_id)s) RETURNING id",
)


def emit_with_commit(event: Any) -> None:
    """Record `event` with the transaction's COMMIT where it can ride, else now (see the module)."""
    prepared = outbox.prepare(event)
    values: list[bytes | None] = [prepared.topic.encode(), prepared.payload_json.encode(),
                                  clock.now().isoformat().encode(), prepared.status.encode(),
                                  prepared.request_id.encode()]

    def dispatch(rows: list | None) -> None:
        if rows:
            outbox.written(prepared, int(rows[0][0] or 0))

    if connection.vendor == "postgresql" and laststep.ride(_INSERT, values, after=dispatch, db=connection, lead=True):
        return
    outbox.emit_many([event])


if _INSERT.names != ["topic", "payload", "created_at", "status", "request_id"]:
    raise ImportError("emit_with_commit's parameters are not in the statement's order")

"""Who holds an unfinished Idempotency-Key claim, and whether it is still alive.

A request that carries an Idempotency-Key claims the key (an `IdempotencyRecord`, committed before
the request's own transaction starts). If the process dies mid-request, its transaction rolls back
but the claim stays unfinished; a retry must be able to tell that dead claim from a live one at
once, not after a timeout:

- **PostgreSQL**: the claiming request holds a session advisory lock (class `LOCK_CLASS`, key the
  record's id) from inside the claim's transaction (so no one sees the claim without its lock) until
  the request ends. The server drops a session's locks the moment its connection closes, so a
  retry that can take the lock knows the owner is gone, and keeps the lock as the new owner; one
  that cannot answers 409 request-in-progress.
- **SQLite** (one machine by design): the claim records its owner `host:pid:start-time`; a retry
  on the same host checks that the process still exists (and is the same one: its start time, so a
  recycled pid does not count) and is not a zombie. An owner on another host, or a platform
  without /proc, falls back to a lease of `IDEMPOTENCY_LEASE_SECONDS` from the claim's creation.

No other code uses advisory locks in `LOCK_CLASS` (inventory's reservation queue is 0x5354).
"""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import connection

from omnicanal.core import clock, laststep
from omnicanal.core.libpq import HotStatement

LOCK_CLASS = 0x4944  # "ID"
_KEY_MASK = 0x7FFFFFFF
# hold() as an SQL expression over a record's `id`, for a statement that writes the claim and takes
# its lock at once (core.middleware's fresh claim).
LOCK_SQL = f"pg_try_advisory_lock({LOCK_CLASS}, (id & {_KEY_MASK})::int)"


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields and fields[0] in (b"Z", b"X"):  # a zombie or dead process: gone
        return None
    return fields[19].decode() if len(fields) > 19 else None


_owner: tuple[int, str] | None = None


def owner_token() -> str:
    """`host:pid:start-time`, worked out once per process (every keyed request asks; a forked
    child has another pid, so it works out its own)."""
    global _owner
    pid = os.getpid()
    if _owner is None or _owner[0] != pid:
        _owner = (pid, f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}"[:100])
    return _owner[1]


def lock_key(record_id: int) -> int:
    """The second key of a record's advisory lock (the first is LOCK_CLASS)."""
    return record_id & _KEY_MASK


def _uses_locks() -> bool:
    return connection.vendor == "postgresql"


def _try_lock(record_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, record_id & _KEY_MASK])
        return bool(cursor.fetchone()[0])


def hold(record_id: int) -> None:
    """Inside the claim's transaction, right after the record is written: mark it as ours."""
    if _uses_locks():
        _try_lock(record_id)


# Every keyed request ends with this one: through libpq (core.libpq, issue 23).
_UNLOCK = HotStatement("omnicanal_claim_release", f"SELECT pg_advisory_unlock({LOCK_CLASS}, %(key)s::int)")


def release_with_commit(record_id: int, released: list[bool]) -> bool:
    """Release the claim right after the COMMIT of the request's transaction, in its round trip
    (core.laststep.ride, trailing: never before the commit, so no retry can take over a claim whose
    answer may still roll back). `released[0]` turns True once it is done; False: nothing handed
    over (not PostgreSQL's lean commit), the caller releases after the transaction."""
    if not _uses_locks():
        return False

    def done(rows: list | None) -> None:
        released[0] = rows is not None and len(rows) == 1 and rows[0][0] == "t"

    return laststep.ride(_UNLOCK, [str(record_id & _KEY_MASK).encode()], after=done, db=connection, trailing=True)


def release(record_id: int) -> None:
    """When the request is over (answered, or failed in any way)."""
    if not _uses_locks():
        return
    # A broken connection has released it already.
    with contextlib.suppress(Exception):
        _UNLOCK.run({"key": record_id & _KEY_MASK})


def take_over(record) -> bool:
    """True when the unfinished claim's owner is gone: the caller now owns the claim (on PostgreSQL
    it holds its lock) and should record itself as owner. False: the owner is alive (409)."""
    if _uses_locks():
        return _try_lock(record.pk)
    return not _alive(record.owner, record.created_at)


def _alive(owner: str, created_at) -> bool:
    parts = owner.rsplit(":", 2)
    if len(parts) == 3:
        host, pid_text, ticks = parts
        if host == socket.gethostname() and pid_text.isdigit() and ticks:
            return _start_ticks(int(pid_text)) == ticks
    lease = timedelta(seconds=int(settings.OMNICANAL.get("IDEMPOTENCY_LEASE_SECONDS", 10)))
    return created_at > clock.now() - lease

"""A batch topic drained in lanes (issue 23): its events split by a key into `lanes` partitions, each
drained apart (a lock of its own, a claim of its own), so that two drains run at once, one per core,
while each partition's events are still handed over by one drain at a time, in the order written.

Why: the inbound store step (`conversations.InboundAccepted`) was one serial drain. A message that
arrived while a batch ran waited for that whole batch and its commit, then for its own batch; the
drain spends most of its time waiting for the database, so a second drain on the other half of the
senders overlaps with it instead of queueing behind it. The key is the sender (the conversation's
customer): one sender's messages are always in one lane, so a conversation's stay in order.

An event names its lane in its payload (`lane`, an int the writer computes with `lane_of`). Lane 0
also takes the events that name none (written before the topic had lanes) or a lane beyond the
count (written when there were more lanes): no event is ever left without a drain. With one lane
(the default) nothing changes: the topic's lock and claim are as before.
"""

from __future__ import annotations

import os
import zlib

from django.db import connection
from django.db.models import Q, QuerySet

from omnicanal.core import clock
from omnicanal.core.models import OutboxEvent, OutboxStatus

FIELD = "lane"


def lane_of(key: str, lanes: int) -> int:
    """The lane of the events keyed `key` (crc32: the same in every process, unlike hash())."""
    return zlib.crc32(key.encode()) % lanes if lanes > 1 else 0


def order(lanes: int) -> list[int | None]:
    """The lanes a drain visits, from one that depends on its process: two lane processes woken
    together start on different lanes instead of meeting on the same lock. None: a topic of one lane."""
    if lanes <= 1:
        return [None]
    start = os.getpid() % lanes
    return [(start + i) % lanes for i in range(lanes)]


def lock(topic: str, lane: int | None, *, wait: bool = True) -> bool:
    """Serialize a lane's drains (one worker at a time hands its events over, in order). PostgreSQL:
    a transaction-scoped advisory lock; SQLite's writers are serialized by the database already.
    With wait=False, False when another drain holds it (nothing waits)."""
    if connection.vendor != "postgresql":
        return True
    key = f"outbox:{topic}" if lane is None else f"outbox:{topic}#{lane}"
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [key])
        return bool(cursor.fetchone()[0])


def pending(topic: str, lane: int | None, lanes: int) -> QuerySet[OutboxEvent]:
    """The lane's events waiting for their drain (pending, not backing off)."""
    now = clock.now()
    due = (OutboxEvent.objects.filter(topic=topic, status=OutboxStatus.PENDING)
           .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))
    if lane is None:
        return due
    mine = Q(**{f"payload__{FIELD}": lane})
    if lane == 0:  # the strays: no lane named, or one beyond today's count
        mine |= Q(**{f"payload__{FIELD}__isnull": True}) | Q(**{f"payload__{FIELD}__gte": lanes})
    return due.filter(mine)


def due(topic: str, lane: int | None, lanes: int) -> bool:
    return pending(topic, lane, lanes).exists()

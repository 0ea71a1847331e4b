"""The inbound hot path, in two steps (docs/inbox.md, "Where a message is stored").

1. `do_accept_inbound` (the webhook's request): one statement keeps the provider's message as an
   `InboundDelivery`, deduplicated on (channel, provider id) against the deliveries waiting and the
   messages stored, and writes its `InboundAccepted` event: on PostgreSQL one INSERT … ON CONFLICT DO NOTHING whose RETURNING feeds the outbox's
   INSERT (a data-modifying CTE), one round trip and, in autocommit, its own commit. The webhook
   answers after it: what the provider sent is durable and kept once.
2. `store_accepted` (a batched outbox handler in the worker, the topic's events in the order they
   were written, so a conversation's messages stay in order): the senders of the whole batch are
   identified in one call (customers.do_identify_many) and their provider ids looked up in one
   query, then each delivery goes through `do_receive_message` as any inbound message does
   (conversation, reopening, routing, SLA timers, MessageReceived for the bot and feedback), the
   batch's events are written with one INSERT (outbox.buffered_emits), the stored deliveries are
   left as tombstones for a minute ("Why a tombstone"), and the first thing after the batch's commit is
   one push to the consoles for all of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from omnicanal.conversations import push
from omnicanal.conversations.contract import IdentityRef, InboundAttachment, InboundMessage
from omnicanal.conversations.events import InboundAccepted
from omnicanal.conversations.models import InboundDelivery, Message
from omnicanal.conversations.services.receive import (
    Received,
    do_receive_message,
    received_event,
    rows_together,
)
from omnicanal.conversations.services.routing import routing_batch
from omnicanal.core import clock, lanes, outbox
from omnicanal.core.errors import Problem
from omnicanal.core.ids import external_key
from omnicanal.customers import services as customers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """What the webhook learns: kept now (the thread has it once the worker ran), or a replay."""

    delivery_id: int | None
    duplicate: bool


def queueable(inbound: InboundMessage) -> bool:
    """A message the two-step path can take: it has a provider id to dedupe on and no file bytes
    (a provider-held file, a WhatsApp media id, is a reference and travels with it)."""
    return bool(inbound.external_id) and all(not a.content for a in inbound.attachments)


def to_payload(inbound: InboundMessage) -> dict:
    return {
        "channel": inbound.channel, "identities": [i.as_dict() for i in inbound.identities], "text": inbound.text,
        "external_id": inbound.external_id, "inbox_id": inbound.inbox_id, "address": inbound.address,
        "sent_at": inbound.sent_at.isoformat() if inbound.sent_at else None,
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "remote_ref": a.remote_ref}
                        for a in inbound.attachments],
        "name": inbound.name, "language": inbound.language, "kind": inbound.kind, "meta": inbound.meta,
        "author": inbound.author, "team": inbound.team, "store": inbound.store,
    }


def from_payload(data: dict) -> InboundMessage:
    return InboundMessage(
        channel=data["channel"], identities=tuple(IdentityRef(**i) for i in data["identities"]), text=data["text"],
        external_id=data["external_id"], inbox_id=data["inbox_id"], address=data["address"],
        sent_at=dt.datetime.fromisoformat(data["sent_at"]) if data.get("sent_at") else None,
        attachments=tuple(InboundAttachment(**a) for a in data["attachments"]), name=data["name"],
        language=data["language"], kind=data["kind"], meta=data["meta"], author=data["author"], team=data["team"],
        store=data["store"],
    )


_INSERT_PG = """
WITH kept AS (
    INSERT INTO conversations_inbounddelivery (channel, external_id, payload, received_at, refused)
    SELECT %(channel)s, %(key)s, %(payload)s::jsonb, %(now)s, ''
    WHERE NOT EXISTS (SELECT 1 FROM conversations_message WHERE channel = %(channel)s AND external_id = %(key)s)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING id
)
INSERT INTO core_outboxevent (topic, payload, created_at, status, done_handlers, attempts, last_error, request_id)
SELECT %(topic)s, jsonb_build_object('delivery_id', kept.id, 'channel', %(channel)s::text, 'lane', %(lane)s::int),
       %(now)s, %(status)s,
       '[]'::jsonb, 0, '', %(request_id)s FROM kept
RETURNING id, (payload->>'delivery_id')::bigint
"""


def inbound_lanes() -> int:
    """The store step's lanes (core.lanes): drains that run at once, one per sender partition."""
    return max(1, int(settings.OMNICANAL.get("INBOUND_LANES", 2)))


def lane_of(inbound: InboundMessage) -> int:
    """The sender's lane: one sender's messages are stored by one drain at a time, in order. Keyed by
    the message's first identity (the number, the address), which every message of that sender on
    that channel carries; a customer writing on two channels at once may be stored by two drains,
    whose order between the channels is the conversation's lock's (it never was a promise)."""
    first = inbound.identities[0] if inbound.identities else None
    return lanes.lane_of(f"{first.kind}:{first.value}" if first else "", inbound_lanes())


def do_accept_inbound(*, inbound: InboundMessage) -> Accepted:
    """Keep one webhook message (idempotent on channel + provider id) and its InboundAccepted event.

    PostgreSQL: one statement; run it in autocommit (the webhook does) and it is also the commit.
    """
    import json

    key = external_key(inbound.external_id)
    payload = json.dumps(to_payload(inbound), ensure_ascii=False, default=str)
    now = clock.now()
    # The event's payload is only known once the row has its id; prepared for its topic and status.
    lane = lane_of(inbound)
    event = outbox.prepare(InboundAccepted(delivery_id=0, channel=inbound.channel, lane=lane))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_PG, {"channel": inbound.channel, "key": key, "payload": payload, "now": now,
                                        "topic": event.topic, "status": event.status, "request_id": event.request_id,
                                        "lane": lane})
            row = cursor.fetchone()
        if row is None:
            return Accepted(None, duplicate=True)
        event_id, delivery_id = row
        outbox.written(event, event_id)
        return Accepted(delivery_id, duplicate=False)
    # SQLite has no data-modifying CTE: two statements in the caller's transaction.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO conversations_inbounddelivery (channel, external_id, payload, received_at, refused) "
                "SELECT %s, %s, %s, %s, '' WHERE NOT EXISTS (SELECT 1 FROM conversations_message WHERE channel = %s "
                "AND external_id = %s) ON CONFLICT (channel, external_id) DO NOTHING RETURNING id",
                [inbound.channel, key, payload, now, inbound.channel, key])
            row = cursor.fetchone()
        if row is None:
            return Accepted(None, duplicate=True)
        outbox.emit(InboundAccepted(delivery_id=row[0], channel=inbound.channel, lane=lane))
    return Accepted(row[0], duplicate=False)


# Provider-held files of messages stored by the worker are fetched by the channels app (it alone
# knows the providers): channels.services wires its fetcher here at start (ChannelsConfig.ready), as
# it does for its own webhook path.
_fetch_media: Callable[[list[str]], object] | None = None


def fetch_media_with(fetch: Callable[[list[str]], object]) -> None:
    global _fetch_media
    _fetch_media = fetch


def store_accepted(delivery_ids: list[int]) -> list[Received]:
    """The worker's step: store the deliveries named (oldest first) as messages of their customers'
    conversations, in the caller's transaction. A delivery already stored is skipped; one the
    customers domain refuses is marked `refused` and skipped (retrying would not change it)."""
    deliveries = list(InboundDelivery.objects.filter(pk__in=delivery_ids, refused="", stored_at__isnull=True)
                      .order_by("pk"))
    # The consoles' push is the first thing after the batch's commit: registered before the messages'
    # events, whose in-process reactions (a new conversation's, its assignment's) would otherwise run
    # first, a few statements each, while the agents wait (docs/inbox.md, "The push"). Not waited for:
    # the process's push loop sends it while the lane's next batch runs (the lane waited ~10-30 ms
    # for each group_send, and every message arriving meanwhile waited with it).
    pushes: list[tuple[str, dict]] = []
    transaction.on_commit(lambda: push.push_many(pushes, wait=False) if pushes else None)
    messages = [from_payload(d.payload) for d in deliveries]
    stored = _stored_already(messages)
    identified = _identify_all(messages)
    received: list[tuple[Received, InboundMessage]] = []
    # A savepoint per message only where a refusal is expected: a sender the batch's identification
    # did not resolve (customers refused one of them). Elsewhere a refusal fails the whole batch and
    # the outbox hands its deliveries over again one at a time, each then guarded (two statements
    # per message saved on the common path).
    guarded = outbox.retrying_alone() or any(who is None for who in identified)
    # Customers the batch's identification created: the first message of each opens their
    # conversation without looking for one (services/receive.py, `first_of_new_customer`).
    seen: set[str] = set()
    # the batch's teams read once and each locked once (no savepoint per message to undo a lock); its
    # new conversations' and messages' rows written together at its end (receive.rows_together)
    with (outbox.buffered_emits(), routing_batch() if not guarded else contextlib.nullcontext(),
          rows_together(returning=_returning(identified)) if not guarded else contextlib.nullcontext()):
        for delivery, inbound, who in zip(deliveries, messages, identified, strict=True):
            first_of_new = who is not None and getattr(who, "created", False) and who.customer_id not in seen
            if who is not None:
                seen.add(who.customer_id)
            try:
                # a refused message's events go with its savepoint
                with transaction.atomic() if guarded else contextlib.nullcontext(), outbox.buffered_emits():
                    result = do_receive_message(inbound=inbound, identified=who, push_after_commit=False,
                                                known_new=(inbound.channel, external_key(inbound.external_id)) not in stored,
                                                first_of_new_customer=first_of_new)
            except Problem as problem:
                if not guarded:
                    raise
                log.warning("inbound %s %s not stored: %s", inbound.channel, delivery.external_id, problem)
                delivery.refused = str(problem.detail)[:300]
                continue
            received.append((result, inbound))
    # A stored delivery has done its work and holds a customer's words and number: its payload goes
    # in the same transaction, its row stays a minute as a tombstone (see "Why a tombstone" below). A
    # refused one stays for staff to see why, until the daily purge (purge_refused_deliveries).
    refused = [d for d in deliveries if d.refused]
    if refused:
        InboundDelivery.objects.bulk_update(refused, ["refused"])
    if len(refused) < len(deliveries):
        InboundDelivery.objects.filter(pk__in=[d.pk for d in deliveries if not d.refused]).update(
            payload={}, stored_at=clock.now())
    # One push for the batch, after its commit (a console shows only what is committed).
    pushes.extend((outbox.topic_of(event), dataclasses.asdict(event))
                  for event in (received_event(r) for r, _m in received if not r.duplicate and not r.csat_answer))
    with_media = [r.message.public_id for r, m in received
                  if not r.duplicate and any(a.remote_ref for a in m.attachments)]
    if with_media and _fetch_media is not None:
        transaction.on_commit(lambda: _fetch_media(with_media))
    return [r for r, _m in received]


def _returning(identified: list) -> list[str]:
    """The batch's senders who were customers before it (their conversations are locked at once)."""
    created = {who.customer_id for who in identified if who is not None and getattr(who, "created", False)}
    return [who.customer_id for who in identified if who is not None and who.customer_id not in created]


def _stored_already(messages: list[InboundMessage]) -> set[tuple[str, str]]:
    """(channel, provider id) of the batch's messages already in a thread (a delivery kept again
    after its message was stored, or stored by the one-step path), in one query for the batch."""
    keys: dict[str, list[str]] = {}
    for m in messages:
        keys.setdefault(m.channel, []).append(external_key(m.external_id))
    stored: set[tuple[str, str]] = set()
    for channel, ids in keys.items():
        stored.update(Message.objects.filter(channel=channel, external_id__in=ids).values_list("channel", "external_id"))
    return stored


def _identify_all(messages: list[InboundMessage]) -> list[object | None]:
    """The batch's senders in one call; on a refusal each message is identified on its own (so one
    bad identity fails only its own message)."""
    if not messages:
        return []
    requests = [{"channel": m.channel, "identities": [i.as_dict() for i in m.identities],
                 "traits": {k: v for k, v in {"name": m.name, "language": m.language}.items() if v}}
                for m in messages]
    try:
        with transaction.atomic():
            return list(customers.do_identify_many(requests=requests))
    except Problem:
        return [None] * len(messages)


# Why a tombstone: a stored delivery leaves one rather than being deleted with its message's commit.
# The webhook's statement checks "not stored yet" (NOT EXISTS among messages) on its snapshot, taken when
# the statement starts, and "not kept yet" (ON CONFLICT) on the delivery's row as it is when the
# INSERT reaches it. A statement that started before the worker's commit does not see the message,
# waits on the row the worker is changing, and then finds it: a deleted row would let it in (the
# same provider id kept twice, a second event); a tombstone conflicts. A minute later no statement
# that began before the commit is still running, and the stored message alone dedupes a replay.
TOMBSTONE_SECONDS = 60

REFUSED_KEPT_DAYS = 7


def do_purge_tombstones(*, at: dt.datetime | None = None) -> int:
    """Deliveries stored more than TOMBSTONE_SECONDS ago: gone (their payload went at storing)."""
    before = (at or clock.now()) - dt.timedelta(seconds=TOMBSTONE_SECONDS)
    return InboundDelivery.objects.filter(stored_at__lt=before).delete()[0]


def do_purge_refused_deliveries() -> int:
    """Refused deliveries older than a week (they hold a customer's words): gone."""
    return InboundDelivery.objects.exclude(refused="").filter(
        received_at__lt=clock.now() - dt.timedelta(days=REFUSED_KEPT_DAYS)).delete()[0]

"""The conversation cells' only writers: kept by conversation_handlers.py from conversations' events,
rebuilt from conversations' facts on demand (`omnicanal analytics_rebuild`). Each do_* runs inside
its caller's transaction.

A conversation's contribution is recounted as a whole on each of its events: what it counts now
(`conversation_kpis.metrics_of`, on its opening's hour and day, its channel and its location) is
compared with what it counted before (`CountedConversation`), and only the difference is written.
So a metric is counted once when it becomes true and taken back when it stops being true (an agent
answers after the bot: no longer contained; a reopening: the resolution time is gone until the next
resolution), and a location decided later (a ticket naming an order, routing setting the store)
moves the conversation's counts to that location's cells.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, connection, transaction

from omnicanal.analytics import raw
from omnicanal.analytics.conversation_kpis import metrics_of
from omnicanal.analytics.models import ConversationCell, CountedConversation
from omnicanal.analytics.services import buckets
from omnicanal.conversations import queries as conversations

Cell = tuple[str, str, str]  # (channel, location, metric)
Key = tuple[str, dt.datetime, str, str, str]  # (grain, bucket, channel, location, metric)


def _cells(channel: str, location: str, metrics) -> Counter[Cell]:
    return Counter((channel, location, metric) for metric in metrics)


def _add(deltas: dict[Key, int]) -> None:
    """Apply the deltas in one statement (an upsert adding to each cell: PostgreSQL and SQLite speak
    the same ON CONFLICT), its rows sorted (hour before day, then bucket and cell) and written after
    every note is locked, so that concurrent recounts queue on a cell but never deadlock."""
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores a bucket (raw SQL below)
    rows = [(grain, adapt(bucket), channel, location, metric, delta)
            for (grain, bucket, channel, location, metric), delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    table = connection.ops.quote_name(ConversationCell._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (grain, bucket, channel, location, metric, value) VALUES {values} "
            f"ON CONFLICT (grain, bucket, channel, location, metric) DO UPDATE SET value = {table}.value + "
            "excluded.value", [value for row in rows for value in row])


def _now_counted(fact: conversations.ConversationFact | None,
                 where: dict[str, str] | None = None) -> tuple[str, str, tuple[str, ...]]:
    """(channel, location, metrics) a conversation counts towards now (`where`: the batch's
    locations, raw.conversation_locations of its facts, when the caller read them together)."""
    if fact is None:  # gone: it counts nothing
        return "", "", ()
    metrics = metrics_of(fact)
    if not metrics:
        return "", "", ()
    location = where[fact.conversation_id] if where is not None else raw.conversation_locations([fact])[fact.conversation_id]
    return fact.channel, location, metrics


def _fact(conversation_id: str) -> conversations.ConversationFact | None:
    found = conversations.conversation_facts(conversation_ids=[conversation_id])
    return found[0] if found else None


def _difference(opened_at: dt.datetime, before: Counter[Cell], after: Counter[Cell]) -> dict[Key, int]:
    return {(grain, bucket, *cell): after[cell] - before[cell]
            for cell in before.keys() | after.keys() if after[cell] != before[cell]
            for grain, bucket in buckets(opened_at)}


def _recount(conversation_id: str) -> dict[Key, int]:
    """The cells' deltas of one conversation, its note brought up to date. The note is locked before
    the facts are read, so two recounts of one conversation run one after the other and the second
    sees what the first did not."""
    counted = CountedConversation.objects.select_for_update().filter(conversation_id=conversation_id).first()
    return _bring_up_to_date(conversation_id, counted, _fact(conversation_id))


def _bring_up_to_date(conversation_id: str, counted: CountedConversation | None,
                      fact: conversations.ConversationFact | None, where: dict[str, str] | None = None) -> dict[Key, int]:
    """The deltas from what the (locked) note says the conversation counted to what its facts (read
    after the note's lock) count now, the note written to match. A note that did not exist yet may be
    written meanwhile by a concurrent recount: then this one waits for it and starts over."""
    channel, location, metrics = _now_counted(fact, where)
    after = _cells(channel, location, metrics)
    if counted is None:
        if fact is None or not metrics:
            return {}
        try:
            with transaction.atomic():  # noted with what it counts: nothing was counted before
                CountedConversation.objects.create(conversation_id=conversation_id, opened_at=fact.opened_at,
                                                   channel=channel, location=location, metrics=list(metrics))
            return _difference(fact.opened_at, Counter(), after)
        except IntegrityError:  # a concurrent recount noted it first: wait for it, then recount
            return _recount(conversation_id)
    difference = _difference(counted.opened_at, _cells(counted.channel, counted.location, counted.metrics), after)
    if difference:
        CountedConversation.objects.filter(pk=counted.pk).update(channel=channel, location=location,
                                                                 metrics=list(metrics))
    return difference


def do_recount_conversations(*, conversation_ids) -> int:
    """Bring these conversations' contributions to the cells up to date with their facts (notes
    locked in one order by one statement, then the facts of all read together, then the cells
    written at once); answers how many changed."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    notes = {note.conversation_id: note for note in CountedConversation.objects.select_for_update()
             .filter(conversation_id__in=ids).order_by("conversation_id")}
    facts = {fact.conversation_id: fact for fact in conversations.conversation_facts(conversation_ids=ids)}
    where = raw.conversation_locations([fact for fact in facts.values() if metrics_of(fact)])
    deltas: Counter[Key] = Counter()
    changed = 0
    for conversation_id in ids:
        difference = _bring_up_to_date(conversation_id, notes.get(conversation_id), facts.get(conversation_id), where)
        deltas.update(difference)
        changed += bool(difference)
    _add(deltas)
    return changed


def do_rebuild_conversation_rollups() -> int:
    """Forget the conversation cells and count every conversation again from its facts (in bulk:
    the same cells the recounts reach). Answers how many conversations count."""
    ConversationCell.objects.all().delete()
    CountedConversation.objects.all().delete()
    counting = [(fact, metrics) for fact in conversations.conversation_facts() if (metrics := metrics_of(fact))]
    where = raw.conversation_locations([fact for fact, _ in counting])
    cells: Counter[tuple[str, dt.datetime, str, str, str]] = Counter()
    notes = []
    for fact, metrics in counting:
        location = where[fact.conversation_id]
        for grain, bucket in buckets(fact.opened_at):
            for metric in metrics:
                cells[(grain, bucket, fact.channel, location, metric)] += 1
        notes.append(CountedConversation(conversation_id=fact.conversation_id, opened_at=fact.opened_at,
                                         channel=fact.channel, location=location, metrics=list(metrics)))
    CountedConversation.objects.bulk_create(notes, batch_size=2000)
    ConversationCell.objects.bulk_create(
        [ConversationCell(grain=grain, bucket=bucket, channel=channel, location=location, metric=metric, value=n)
         for (grain, bucket, channel, location, metric), n in sorted(cells.items())], batch_size=2000)
    return len(counting)

"""The transactional outbox.

`emit(event)` writes the event in the caller's transaction; nothing leaves before commit. After
commit the events are dispatched to the handlers registered with `@handles("<app>.<Event>")`, each in
a transaction of its own, so that a handler's writes and the note that it ran commit together (a
handler runs once per event even when dispatch is retried). A failing handler is retried with
exponential backoff by the periodic relay task (the topic's other handlers run meanwhile); after OUTBOX_MAX_ATTEMPTS the event is marked
failed and shows in the admin, which can retry it.

Domains subscribe to each other's events by topic name, never by importing each other.

Batched handlers (`@handles(topic, batch=True)`) take a list of envelopes and run in the worker: a
hot topic's events (an inbound message's reactions) are claimed several at a time in one
transaction, handed over in the order they were written (the topic's drain holds a lock of its own,
so events of one conversation or order are never handled out of order or by two workers at once),
and each is marked done for that handler in the same transaction, once.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.module_loading import autodiscover_modules

from omnicanal.core import clock, lanes, metrics, requestid, tracing
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.core.payloads import payload, payload_json
from omnicanal.core.wakes import Handoffs, Wakes

log = logging.getLogger(__name__)

Handler = Callable[["Envelope"], None]
BatchHandler = Callable[[list["Envelope"]], None]


@dataclass(frozen=True)
class _Registration:
    name: str
    func: Any  # Handler, or BatchHandler when batch
    background: bool
    batch: bool = False
    priority: bool = False  # drained by the worker's priority lane (core.priority)
    lanes: int = 1  # partitions drained apart, each in order (core.lanes)


_handlers: dict[str, list[_Registration]] = defaultdict(list)

# How background handlers reach the worker: core.tasks.dispatch_in_worker, a huey task, wired by
# CoreConfig.ready() through to_worker(). core.tasks imports this module, so this module does not
# import core.tasks (no import cycle; tests/test_seams_import_rules.py).
_worker_entry: Callable[[Any], object] | None = None
_priority_entry: Callable[[str], object] | None = None  # the priority lane's (core.priority.enqueue)


def to_worker(enqueue: Callable[[Any], object], *, priority: Callable[[str], object] | None = None) -> None:
    """Name the callables that hand work to the worker (huey tasks): the main queue's takes an event id
    or a list (wakes.Handoffs), the priority lane's the topic to drain (topics registered priority=True)."""
    global _worker_entry, _priority_entry
    _worker_entry = enqueue
    _priority_entry = priority


@dataclass(frozen=True)
class Envelope:
    id: int
    topic: str
    payload: dict[str, Any]
    occurred_at: dt.datetime

    def __getitem__(self, name: str) -> Any:
        return self.payload[name]


def topic_of(event_or_class: Any) -> str:
    """'omnicanal.orders.events.OrderPaid' -> 'orders.OrderPaid'."""
    return _topic_of_class(event_or_class if isinstance(event_or_class, type) else type(event_or_class))


@functools.cache
def _topic_of_class(cls: type) -> str:
    parts = cls.__module__.split(".")
    app = parts[1] if len(parts) > 2 and parts[0] == "omnicanal" else parts[0]
    return f"{app}.{cls.__name__}"


# Set by buffered_emits(): the events emit() was given meanwhile, written together when it ends.
_buffer: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("outbox_buffer", default=None)


@contextlib.contextmanager
def buffered_emits() -> Iterator[None]:
    """emit() inside only collects its events; when the block ends normally they are written with one
    INSERT (emit_many), in the order emitted, still in the caller's transaction; a block that raises
    drops its own (its savepoint rolls back the rest of its work). Nested: an inner block's events
    join the outer block's (a batch service's message that fails must not leave its events behind).
    For a batch that emits a few events per item: the worker storing 200 inbound messages wrote 300
    rows one INSERT at a time."""
    outer = _buffer.get()
    mine: list[Any] = []
    token = _buffer.set(mine)
    try:
        yield
    finally:
        _buffer.reset(token)
    if outer is not None:
        outer.extend(mine)
    elif mine:
        emit_many(mine)


def emit(event: Any) -> OutboxEvent:
    """Record `event` in the current transaction; it is dispatched only if that commits."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the caller's transaction (transaction.atomic)")
    buffer = _buffer.get()
    if buffer is not None:  # written when the buffered_emits() block ends; this row is not saved yet
        buffer.append(event)
        return OutboxEvent(topic=topic_of(event), payload=payload(event), status=OutboxStatus.PENDING)
    topic = topic_of(event)
    row = OutboxEvent.objects.create(
        topic=topic,
        payload=payload(event),
        created_at=clock.now(),
        status=OutboxStatus.PENDING if _handlers.get(topic) else OutboxStatus.DONE,
        request_id=requestid.current(),
    )
    if row.status == OutboxStatus.PENDING:
        _schedule_after_commit(row.pk, topic)
    return row


def emit_many(events: list[Any]) -> list[int]:
    """Record many events with one INSERT (batch services); dispatched like emit(). Returns their ids.

    The INSERT is written here, not by the ORM: every placed order runs it, and the ORM's way
    encoded each payload, decoded it and encoded it again, then composed the statement, for more CPU
    than the database's work (issue 23). The rows are the same: each payload the JSON emit() stores,
    the model's defaults for the rest."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit_many() must run inside the caller's transaction (transaction.atomic)")
    if not events:
        return []
    created_at = connection.ops.adapt_datetimefield_value(clock.now())
    request_id = requestid.current()
    topics = [topic_of(event) for event in events]
    statuses = [str(OutboxStatus.PENDING if _handlers.get(topic) else OutboxStatus.DONE) for topic in topics]
    params: list[Any] = []
    for event, topic, status in zip(events, topics, statuses, strict=True):
        params += [topic, payload_json(event), created_at, status, request_id]
    with connection.cursor() as cursor:
        cursor.execute(_insert_events_sql(len(events)), params)
        ids = [row[0] for row in cursor.fetchall()]
    for pk, topic, status in zip(ids, topics, statuses, strict=True):
        if status == OutboxStatus.PENDING:
            _schedule_after_commit(pk, topic)
    return ids


@functools.lru_cache(maxsize=64)
def _insert_events_sql(count: int) -> str:
    """The INSERT of `count` events (topic, payload as JSON text, created_at, status, request_id),
    the other columns at the model's defaults, returning the ids in the rows' order."""
    json_value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    empty_list = "'[]'::jsonb" if connection.vendor == "postgresql" else "'[]'"
    row = f"(%s, {json_value}, %s, %s, {empty_list}, 0, NULL, '', NULL, NULL, %s)"
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    return (f"INSERT INTO {table} (topic, payload, created_at, status, done_handlers, attempts, next_attempt_at, "
            f"last_error, dispatched_at, streamed_at, request_id) VALUES {', '.join([row] * count)} RETURNING id")


@dataclass(frozen=True)
class PreparedEvent:
    """An event a domain writes inside one SQL statement of its own (a hot path that cannot afford
    an extra round trip): insert `topic`, `payload_json` (the same JSON emit() stores), `status`,
    `request_id` and created_at, then hand the new row's id to `written()`."""

    topic: str
    payload_json: str
    status: str
    request_id: str = ""


def prepare(event: Any) -> PreparedEvent:
    topic = topic_of(event)
    status = OutboxStatus.PENDING if _handlers.get(topic) else OutboxStatus.DONE
    return PreparedEvent(topic=topic, payload_json=payload_json(event), status=str(status),
                         request_id=requestid.current())


def written(prepared: PreparedEvent, event_id: int, db=None) -> None:
    """Dispatch a prepared event like emit() does: after the commit (at once, when its statement ran in
    autocommit: issue 23), each without transaction.on_commit()'s look-up. `db`: the default's wrapper."""
    if prepared.status == OutboxStatus.PENDING:
        db = connection if db is None else db
        if not db.in_atomic_block and db.get_autocommit() and not _deferred.get():
            return _dispatch_after_commit(event_id, prepared.topic)  # committed: at once
        _schedule_after_commit(event_id, prepared.topic, db)


def handles(topic_or_class: str | type, *, background: bool = False, batch: bool = False,
            priority: bool = False, lanes: int = 1) -> Callable[[Any], Any]:
    """Register a reaction. Name the topic ('orders.OrderPaid') to react to another domain.

    In-process handlers run right after the commit, in the process that committed. Background
    handlers (slow work: sending, rendering) run in the worker, through a huey task. Batch handlers
    take a list of envelopes (oldest first) and always run in the worker (see run_batches). A
    priority batch handler's topic is drained by the worker's priority lane (core.priority: someone
    is waiting on it), never behind the other reactions; its topic's other handlers must be batched.
    `lanes` > 1: the topic's events, split by the `lane` their payload names, are drained apart (core.lanes).
    """
    topic = topic_or_class if isinstance(topic_or_class, str) else topic_of(topic_or_class)
    if priority and not batch:
        raise ValueError("only batch handlers take the priority lane")

    def register(func: Any) -> Any:
        name = f"{func.__module__}.{func.__qualname__}"
        if name not in {r.name for r in _handlers[topic]}:
            _handlers[topic].append(_Registration(name=name, func=func, background=background or batch, batch=batch,
                                                  priority=priority, lanes=lanes))
        return func

    return register


def handlers_for(topic: str) -> list[_Registration]:
    return list(_handlers.get(topic, []))


def autodiscover_handlers() -> None:
    autodiscover_modules("handlers")


# --- dispatch --------------------------------------------------------------------------------

# Set by deferred_dispatch(): events written meanwhile wait for the caller's own drain.
_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_deferred", default=False)


@contextlib.contextmanager
def deferred_dispatch() -> Iterator[None]:
    """Events written inside are not dispatched after their commit, one by one: the caller hands
    them to their handlers itself, several per transaction (core.demo_outbox's drain); the relay
    picks up whatever the caller leaves pending."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


# Set by collected_dispatch(): the ids of the events written meanwhile, for dispatch_many().
_collected: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("outbox_collected", default=None)


@contextlib.contextmanager
def collected_dispatch() -> Iterator[list[int]]:
    """Like deferred_dispatch(), and yields the list of the pending events written inside (in
    order), for the caller to hand to dispatch_many() after its commit: a batch service (a campaign's
    chunk of messages) whose events would cost a transaction per event and handler one by one."""
    ids: list[int] = []
    token, deferred = _collected.set(ids), _deferred.set(True)
    try:
        yield ids
    finally:
        _deferred.reset(deferred)
        _collected.reset(token)


def _schedule_after_commit(event_id: int, topic: str = "", db: Any = None) -> None:  # db: the wrapper, if held
    if _deferred.get():
        collected = _collected.get()
        if collected is not None:
            collected.append(event_id)
        return
    # One callback per event: Django keeps them in order, drops those of a rolled-back savepoint, and
    # runs them only when the outermost transaction commits.
    wakeups = _drain.__dict__.get("wakeups")  # this thread's; getattr() would raise and catch an AttributeError
    if wakeups is not None and topic and _batched_only(topic):
        # Inside a batch drain's transaction, a topic drained in batches needs one wake-up for the
        # commit, not one per event: the worker's drain takes every pending event of the topic (a
        # batch storing 200 inbound messages writes 200 MessageReceived; 199 more tasks would each
        # find them taken, ~8 statements apiece). Registered again if its savepoint rolled back
        # (Django then dropped it from run_on_commit).
        registered = wakeups.get(topic)
        if registered is not None and any(entry[1] is registered for entry in connection.run_on_commit):
            return
        wake = functools.partial(_dispatch_after_commit, event_id, topic)
        wakeups[topic] = wake
        transaction.on_commit(wake)
        return
    (connection if db is None else db).on_commit(lambda: _dispatch_after_commit(event_id, topic))


# Per thread: while a batch drain's transaction is open, topic -> its pending wake-up (_run_one_batch).
_drain = threading.local()


def _batched_only(topic: str) -> bool:
    registrations = _handlers.get(topic) or []
    return bool(registrations) and all(r.batch for r in registrations)


# Set while a failed batch's events are handed over again one at a time: a handler that skips its
# per-item guards in a batch (the inbound store's savepoints) takes them then, not on every short batch.
_alone: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_alone", default=False)
retrying_alone = _alone.get


def _one_of_a_batch(registration: _Registration) -> Callable[[Envelope], Any]:
    """A batched handler run on one event (retrying a failed batch one event at a time)."""
    return lambda envelope: contextvars.copy_context().run(_alone_run, registration.func, envelope)


def _alone_run(func: BatchHandler, envelope: Envelope) -> Any:
    _alone.set(True)  # in a copy of the context: gone when the call returns
    return func([envelope])


def _only_in_worker(topic: str) -> bool:
    registrations = _handlers.get(topic) or []
    return bool(registrations) and all(r.background for r in registrations)


# Set by handing_over_reactions() (the priority lane's tasks): the ids of the events they committed
# that have handlers other than batches, for one dispatch_many in the main queue.
_lane: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("outbox_lane", default=None)


@contextlib.contextmanager
def handing_over_reactions(hand_over: Callable[[list[int]], object]) -> Iterator[None]:
    """Inside, events committed are the main queue's whole, their in-process handlers too: a batch
    topic's get its coalesced wake-up, the others are handed to `hand_over` (a main-queue task that
    runs dispatch_many) together when the block ends. The priority lane: a new conversation's or
    assignment's reactions, ~20 statements a message, would run in the lane between two batches
    while agents wait for the next; and one task per event would queue a burst's thousand tasks ahead
    of the reactions' drains. Lost with the process before the hand-over: the relay takes them."""
    ids: list[int] = []
    token = _lane.set(ids)
    try:
        yield
    finally:
        _lane.reset(token)
        if ids:
            hand_over(ids)


def _dispatch_after_commit(event_id: int, topic: str = "") -> None:
    try:
        lane = _lane.get()
        if topic and lane is not None and _worker_entry is not None and not _prioritized(topic):
            if _all_batched(topic):
                _wakes.wake(topic, event_id)
            else:
                lane.append(event_id)
            return
        if topic and _only_in_worker(topic) and _worker_entry is not None:
            # Nothing runs here: the id to the worker, the row not read back (the answer waits for
            # this callback), coalesced per process: a batch topic's wake-up, the others' hand-over.
            if _all_batched(topic):
                (_priority_wakes if _prioritized(topic) else _wakes).wake(topic, event_id)
            else:
                _handoffs.hand_over(event_id)
            return
        dispatch(event_id)
    except Exception:  # the relay task retries; the commit already happened
        log.exception("outbox dispatch of event %s failed; the relay will retry", event_id)


def dispatch_many(event_ids: list[int], *, in_worker: bool = False) -> int:
    """After the commit that wrote them (collected_dispatch()): run the events' in-process handlers
    for all of them in one transaction (the rows locked, SKIP LOCKED, so an event another dispatcher
    holds is left to it), noted in done_handlers and marked done as dispatch() would; then hand the
    worker's part over, event by event, as the commit's callbacks would have. If a handler fails,
    the chunk's transaction rolls back and each event goes through dispatch() alone (its failure
    recorded, retried with backoff). Returns how many events were finished here.

    In the worker (`in_worker`, a process's hand-over: core.wakes.Handoffs) the background handlers
    run in that one transaction too, and each topic's batches are drained once after it: a placed
    order's seven reactions were seven transactions, each locking and updating the event's row."""
    if not event_ids:
        return 0
    leftovers: list[int] = []
    try:
        finished, to_worker_only = _run_in_process(event_ids, in_worker=in_worker)
    except Exception:
        log.exception("outbox: a handler failed on a chunk of %s events; dispatching them one by one", len(event_ids))
        finished, to_worker_only, leftovers = 0, [], list(event_ids)
    if in_worker:
        return finished + _finish_in_worker(to_worker_only, leftovers)
    for pk, topic in to_worker_only:  # what is left runs in the worker: hand the id over, as after a commit
        if _worker_entry is None:
            leftovers.append(pk)
            continue
        try:
            if all(r.batch for r in handlers_for(topic) if r.background):
                _wakes.wake(topic, pk)  # only batches left: one coalesced wake-up drains the topic
            else:
                _worker_entry(pk)
        except Exception:  # the relay retries; the commit already happened
            log.exception("outbox hand-over of event %s failed; the relay will retry", pk)
    for pk in leftovers:  # a failed chunk, no worker: one at a time, as dispatch() does
        try:
            finished += dispatch(pk)
        except Exception:  # the relay retries; the commit already happened
            log.exception("outbox dispatch of event %s failed; the relay will retry", pk)
    return finished


def _finish_in_worker(batched: list[tuple[int, str]], leftovers: list[int]) -> int:
    """dispatch_many in the worker, after its transaction: each topic's batches drained once, a failed
    chunk's events one at a time. Returns how many of them are done."""
    for topic in dict.fromkeys(topic for _, topic in batched):
        run_batches(topic)
    done = OutboxEvent.objects.filter(pk__in=[pk for pk, _ in batched], status=OutboxStatus.DONE).count() if batched else 0
    for pk in leftovers:
        try:
            done += dispatch(pk, in_worker=True)
        except Exception:  # the relay retries it, with backoff
            log.exception("outbox: dispatching event %s in the worker failed; the relay will retry", pk)
    return done


def _run_in_process(event_ids: list[int], *, in_worker: bool = False) -> tuple[int, list[tuple[int, str]]]:
    """dispatch_many's transaction: (events finished, (id, topic) of those the worker finishes)."""
    finished, to_worker_only = 0, []
    with transaction.atomic():
        rows = list(OutboxEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=event_ids, status=OutboxStatus.PENDING).order_by("pk")
                    .only("id", "topic", "payload", "created_at", "done_handlers", "status", "request_id"))
        groups: dict[tuple[tuple[str, ...], bool], list[int]] = defaultdict(list)
        # A handler offering a batched form (`handler.many(envelopes)`: the customers' timeline) gets
        # the chunk's events at once, at the end of the chunk, as core.demo_outbox does.
        many: dict[str, tuple[Callable[[list[Envelope]], Any], list[Envelope]]] = {}
        for row in rows:
            done = list(row.done_handlers)
            registrations = handlers_for(row.topic)
            with requestid.bound(row.request_id or requestid.current()):
                for registration in registrations:
                    if (registration.background and not in_worker) or registration.batch or registration.name in done:
                        continue
                    batched = getattr(registration.func, "many", None)
                    if batched is not None:
                        many.setdefault(registration.name, (batched, []))[1].append(_envelope(row))
                    else:
                        registration.func(_envelope(row))
                    done.append(registration.name)
            complete = {r.name for r in registrations} <= set(done)
            if not complete:  # the worker's part, batch handlers included (its dispatch drains them)
                to_worker_only.append((row.pk, row.topic))
            finished += complete
            groups[(tuple(done), complete)].append(row.pk)
        for batched, envelopes in many.values():
            batched(envelopes)
        now = clock.now()
        # One UPDATE per set of handlers run (a topic's events share it), not one per event.
        for (done_names, complete), pks in groups.items():
            changes: dict[str, Any] = {"done_handlers": list(done_names)}
            if complete:
                changes.update(status=OutboxStatus.DONE, dispatched_at=now, next_attempt_at=None)
            OutboxEvent.objects.filter(pk__in=pks).update(**changes)
    return finished, to_worker_only


def _all_batched(topic: str) -> bool:
    return all(r.batch for r in _handlers.get(topic) or [])


def _prioritized(topic: str) -> bool:
    """A topic of the priority lane, when the lane is wired (CoreConfig.ready)."""
    return _priority_entry is not None and any(r.priority for r in _handlers.get(topic) or [])


def _enqueue(event_ids: int | list[int]) -> None:  # one id, or a hand-over's list (core.tasks)
    assert _worker_entry is not None
    _worker_entry(event_ids)


def _enqueue_first(topic: str) -> None:
    assert _priority_entry is not None
    _priority_entry(topic)


_wakes = Wakes(lambda topic, event_id: _enqueue(event_id))  # the main queue's coalesced wake-ups
_handoffs = Handoffs(_enqueue)  # and its hand-overs: always a list (the worker runs one in one transaction)
# The priority lane's: a window of 10 ms, not 100 (someone waits on these; docs/operations.md).
_priority_wakes = Wakes(lambda topic, event_id: _enqueue_first(topic), "OUTBOX_PRIORITY_WAKE_MS", 10)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def dispatch(event_id: int, *, in_worker: bool = False) -> bool:
    """Run the handlers of one event that have not run yet. True when the event is done.

    Outside the worker, background handlers are handed to it as a huey task instead.
    """
    event = (OutboxEvent.objects.filter(pk=event_id)
             .only("topic", "status", "request_id", "next_attempt_at", "done_handlers").first())
    if event is None:
        return True
    if event.status != OutboxStatus.PENDING:
        if in_worker and _all_batched(event.topic):
            # A coalesced wake-up (_Wakes) names one event but stands for the topic's others too,
            # which may have committed after an earlier drain took this one.
            run_batches(event.topic)
        return True
    # Under the id of the request that wrote the event: the handlers' logs (their failures too) and
    # the events they emit carry it (core.requestid). An event written without one (inventory's
    # one-call reservation) keeps the id of the request dispatching it, if any.
    waiting: frozenset[str] = frozenset()
    if in_worker and event.next_attempt_at is not None and event.next_attempt_at > clock.now():
        waiting = frozenset(r.name for r in handlers_for(event.topic)
                            if not r.background and r.name not in event.done_handlers)
    with requestid.bound(event.request_id or requestid.current()):
        return _dispatch(event_id, event.topic, in_worker=in_worker, waiting=waiting,
                         retried=event.next_attempt_at is not None)


def _dispatch(event_id: int, topic: str, *, in_worker: bool, waiting: frozenset[str] = frozenset(),
              retried: bool = False) -> bool:
    handed_over = batched = stalled = False
    for registration in handlers_for(topic):
        if registration.background and not in_worker:
            handed_over = True
            continue
        if registration.batch:
            batched = True
            continue
        if registration.name in waiting:
            # Failed in the process that committed, which then handed the worker its part: the
            # failed handler waits for its backoff (the relay), it is not tried again at once here.
            stalled = True
            continue
        # One domain's failing reaction must not hold up another's (the notifier behind a broken
        # rollup): the others run now, the failed one is retried by the relay with backoff.
        if not _run_handler(event_id, registration.name, registration.func):
            stalled = True
    if retried and not stalled:
        # The failed handler has now run: the event's other parts (batch drains) need not wait out
        # its backoff any more.
        OutboxEvent.objects.filter(pk=event_id, status=OutboxStatus.PENDING).update(next_attempt_at=None)
    if handed_over:
        if _worker_entry is None:
            raise RuntimeError("outbox: no worker entry (CoreConfig.ready() wires core.tasks.dispatch_in_worker)")
        if _prioritized(topic):
            _enqueue_first(topic)
        else:
            _worker_entry(event_id)
        return False
    if batched:
        # This event's batch handlers run with the topic's other pending events; whoever finishes
        # an event's last handler marks it done (run_batches).
        run_batches(topic)
        return _finish_if_complete(event_id, topic)
    if stalled:
        return False
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event_id, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.DONE, dispatched_at=clock.now(), next_attempt_at=None
        )
    return True


def _run_handler(event_id: int, name: str, handler: Handler) -> bool:
    try:
        with transaction.atomic():
            row = OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            if row is None:  # another dispatcher holds it; it will finish the job
                return False
            if name in row.done_handlers:
                return True
            attributes: dict[str, Any] = {"omnicanal.handler": name, "omnicanal.event_id": event_id,
                                          "omnicanal.request_id": requestid.current()}
            with tracing.span(f"outbox {row.topic}", **attributes):
                handler(Envelope(id=row.pk, topic=row.topic, payload=row.payload, occurred_at=row.created_at))
            row.done_handlers = [*row.done_handlers, name]
            row.save(update_fields=["done_handlers"])
        return True
    except Exception as exc:
        log.exception("outbox handler %s failed on event %s", name, event_id)
        _record_failure(event_id, name, exc)
        return False


# --- batched handlers ------------------------------------------------------------------------------

BATCH_SIZE = 200


def _names(topic: str) -> set[str]:
    return {r.name for r in handlers_for(topic)}


def run_batches(topic: str, *, limit: int = BATCH_SIZE, rounds: int = 50, lane: int | None = None) -> int:
    """Hand the topic's pending events to its batch handlers, `limit` at a time, until none is left
    (or `rounds` batches ran, per lane). Returns how many events were handed over. A topic in lanes:
    each lane's own batches in turn (`lane`: that one only); a lane another drain holds (None) is left
    to it, which looks again when done."""
    batch_handlers = [r for r in handlers_for(topic) if r.batch]
    if not batch_handlers:
        return 0
    # A topic whose handlers are all batched never makes a drain wait for another: every event wakes
    # a worker task, and tasks queued behind one slow drain (the bot, sentiment) would hold every
    # worker thread on the lock while other topics' tasks (storing inbound messages) wait. A task
    # that finds the topic busy leaves; the drain holding it looks again after releasing it (the last
    # look below), so an event committed before that task ran is never left behind.
    wait = len(batch_handlers) < len(handlers_for(topic))
    count = max(r.lanes for r in batch_handlers)
    live: list[int | None] = lanes.order(count) if lane is None else [lane]
    total = 0
    for _ in range(rounds):
        for part in list(live):
            handled = _run_one_batch(topic, batch_handlers, limit, wait=wait, lane=part)
            total += handled or 0
            if handled is None or (handled < limit and (wait or not lanes.due(topic, part, count))):
                live.remove(part)
        if not live:
            break
    return total


# The lane's batches are smaller: the first message of a batch is pushed only when the batch commits.
PRIORITY_BATCH_SIZE = 50


def drain_priority(topic: str) -> int:
    """The priority lane's task: drain the topic (every event pending, PRIORITY_BATCH_SIZE at a time).
    A lane that finds another drain holding the topic leaves at once (one short transaction): that
    drain looks again after releasing it."""
    return run_batches(topic, limit=PRIORITY_BATCH_SIZE, rounds=1000)


def _claim(topic: str, limit: int, lane: int | None = None) -> list[OutboxEvent]:
    now = clock.now()
    due = lanes.pending(topic, lane, max((r.lanes for r in handlers_for(topic)), default=1)).order_by("pk")
    others = {r.name for r in handlers_for(topic) if not r.batch}
    if others:
        # The topic's one-at-a-time handlers run first (in the process that committed, or in the
        # worker's task): a drain that locked an event meanwhile would make them skip it. So take
        # only the run of oldest events they are done with (or that waited past the relay's grace:
        # crash recovery), and stop at the first that is not ready, which keeps the order. Skip one
        # whose batch handlers all ran (a batch of nothing to do, claimed again every round: issue 23).
        grace, mine = now - dt.timedelta(seconds=5), _names(topic) - others
        ready = []
        for pk, others_done, mine_done in _readiness(due, others, mine, grace, limit):
            if not others_done:
                break
            if not mine_done:
                ready.append(pk)
        if not ready:
            return []
        due = due.filter(pk__in=ready)
    return list(
        due.select_for_update()
        .only("id", "topic", "payload", "created_at", "done_handlers", "status", "request_id", "dispatched_at",
              "next_attempt_at")[:limit]
    )


def _readiness(due, others: set[str], mine: set[str], grace: dt.datetime, limit: int) -> list:
    """(pk, others done or past the grace, mine all done) of the first `limit` due events: decided by
    PostgreSQL (jsonb @>), where a drain's every look read and decoded up to `limit` lists."""
    if connection.vendor != "postgresql":
        return [(pk, others <= set(done) or created_at <= grace, mine <= set(done))
                for pk, done, created_at in due.values_list("pk", "done_handlers", "created_at")[:limit]]
    flag = functools.partial(ExpressionWrapper, output_field=BooleanField())
    return list(due.annotate(others_done=flag(Q(done_handlers__contains=sorted(others)) | Q(created_at__lte=grace)),
                             mine_done=flag(Q(done_handlers__contains=sorted(mine))))
                .values_list("pk", "others_done", "mine_done")[:limit])


def _run_one_batch(topic: str, batch_handlers: list[_Registration], limit: int, *, wait: bool = True,
                   lane: int | None = None) -> int | None:
    failed: list[tuple[_Registration, list[OutboxEvent]]] = []
    with transaction.atomic():
        if not lanes.lock(topic, lane, wait=wait):
            return None
        rows = _claim(topic, limit, lane)
        if not rows:
            return 0
        _drain.wakeups = {}
        try:
            _hand_over(topic, batch_handlers, rows, failed)
        finally:
            _drain.wakeups = None
    for registration, todo in failed:  # one at a time: a bad event must not hold up the others
        for row in todo:
            with requestid.bound(row.request_id or requestid.current()):
                if _run_handler(row.pk, registration.name, _one_of_a_batch(registration)):
                    _finish_if_complete(row.pk, topic)
    return len(rows)


def _hand_over(topic: str, batch_handlers: list[_Registration], rows: list[OutboxEvent],
               failed: list[tuple[_Registration, list[OutboxEvent]]]) -> None:
    """Run each batch handler on the claimed rows and record what ran (the drain's transaction)."""
    for registration in batch_handlers:
        todo = [row for row in rows if registration.name not in row.done_handlers]
        if not todo:
            continue
        try:
            attributes: dict[str, Any] = {"omnicanal.handler": registration.name, "omnicanal.batch": len(todo)}
            with transaction.atomic(), tracing.span(f"outbox batch {topic}", **attributes):
                registration.func([_envelope(row) for row in todo])
        except Exception:
            log.exception("outbox batch handler %s failed on %s events; retrying them one by one",
                          registration.name, len(todo))
            failed.append((registration, todo))
            continue
        for row in todo:
            row.done_handlers = [*row.done_handlers, registration.name]
    names = _names(topic)
    finished = clock.now()
    for row in rows:
        if names <= set(row.done_handlers):
            row.status = OutboxStatus.DONE
            row.dispatched_at = finished
            row.next_attempt_at = None
    OutboxEvent.objects.bulk_update(rows, ["done_handlers", "status", "dispatched_at", "next_attempt_at"])


def _envelope(row: OutboxEvent) -> Envelope:
    return Envelope(id=row.pk, topic=row.topic, payload=row.payload, occurred_at=row.created_at)


def _finish_if_complete(event_id: int, topic: str) -> bool:
    """Mark an event done when every handler of its topic has run on it."""
    with transaction.atomic():
        # skip_locked: a drain under way holds the row (and will finish it); waiting for it would
        # hold this worker thread as long as that drain's slowest handler.
        row = (OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id)
               .only("status", "done_handlers").first())
        if row is None:
            return False
        if row.status == OutboxStatus.DONE:
            return True
        if not _names(topic) <= set(row.done_handlers):
            return False
        OutboxEvent.objects.filter(pk=event_id).update(status=OutboxStatus.DONE, dispatched_at=clock.now(),
                                                       next_attempt_at=None)
    return True


def _record_failure(event_id: int, name: str, exc: Exception) -> None:
    with transaction.atomic():
        row = OutboxEvent.objects.select_for_update().get(pk=event_id)
        row.attempts += 1
        row.last_error = f"{name}: {exc!r}\n{traceback.format_exc(limit=5)}"[:4000]
        metrics.OUTBOX_HANDLER_FAILURES.labels(topic=row.topic).inc()
        if row.attempts >= int(settings.OMNICANAL["OUTBOX_MAX_ATTEMPTS"]):
            metrics.OUTBOX_EVENTS_FAILED.labels(topic=row.topic).inc()
            row.status = OutboxStatus.FAILED
            row.next_attempt_at = None
        else:
            row.next_attempt_at = clock.now() + _backoff(row.attempts)
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def dispatch_due(limit: int = 500) -> int:
    """The relay: dispatch pending events whose time has come (crash recovery and retries)."""
    now = clock.now()
    grace = now - dt.timedelta(seconds=5)  # let fresh events go through their own on_commit first
    due = (
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True, created_at__lte=grace) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in list(due):
        done += dispatch(pk, in_worker=True)
    return done


def retry_failed(event_ids: list[int]) -> int:
    return OutboxEvent.objects.filter(pk__in=event_ids, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=clock.now()
    )


def decimal(value: str) -> Decimal:
    """Read back a Decimal field of a payload."""
    return Decimal(value)

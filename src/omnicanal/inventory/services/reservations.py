"""Reservations: all-or-nothing holds under row locks (or one locking UPDATE on the hot path),
released, committed (sold) or expired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext

from omnicanal.core import clock, laststep, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, InsufficientStock, InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.inventory import locks, queries
from omnicanal.inventory.events import (
    ReservationCommitted,
    ReservationReleased,
    StockChanged,
    StockLine,
    StockReserved,
)
from omnicanal.inventory.metrics import OVERSELL_GUARD_TRIPS, RESERVATIONS
from omnicanal.inventory.models import (
    LineState,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockMovement,
)
from omnicanal.inventory.services.common import MAX_LINES, _apply, _variants, _who, check_channel_exists

DEFAULT_HOLD = timedelta(minutes=30)
_RESERVED = RESERVATIONS.labels(outcome="reserved")  # looked up once: every reservation counts itself


@dataclass(frozen=True)
class ReserveLine:
    sku: str
    quantity: int
    location: str | None = None  # pinned by sourcing (pickup at this store); None: any serving location


def _aggregate(lines: Sequence[ReserveLine]) -> dict[tuple[str, str | None], int]:
    """Lines of the same SKU (and pinned location) become one: two cart lines of one shoe are
    checked against the same stock, not each against the whole of it."""
    wanted: dict[tuple[str, str | None], int] = defaultdict(int)
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity <= 0:
            raise ValidationFailed.on(f"lines.{i}.quantity", "must be a positive whole number")
        wanted[(line.sku, line.location)] += line.quantity
    if not wanted:
        raise ValidationFailed.on("lines", "at least one line is required")
    if len(wanted) > MAX_LINES:
        raise ValidationFailed.on("lines", f"at most {MAX_LINES} lines")
    return wanted


def _allocate(wanted, rows_by_key, candidates):
    """Greedy over the sourcing order: each line takes what each location can spare (on hand − reserved
    − the channel's safety stock there), in order, and may span locations. Returns
    ({stock pk: units}, [shortages])."""
    taken: dict[int, int] = {}
    short = []
    for (sku, pinned), quantity in wanted.items():
        need = quantity
        for code in ([pinned] if pinned else candidates):
            row = rows_by_key.get((sku, code))
            if row is None:
                continue
            pk, _sku, _code, on_hand, reserved, safety = row[:6]
            free = on_hand - reserved - taken.get(pk, 0) - safety
            if free > 0:
                take = min(free, need)
                taken[pk] = taken.get(pk, 0) + take
                need -= take
                if need == 0:
                    break
        if need:
            short.append({"sku": sku, "location": pinned, "requested": quantity, "available": quantity - need})
    return taken, short


def do_reserve(
    *,
    reference: str,
    channel: str,
    lines: Sequence[ReserveLine],
    locations: Sequence[str] | None = None,
    expires_in: timedelta | None = DEFAULT_HOLD,
    actor: Principal = SYSTEM,
    at_commit: bool = False,
) -> queries.ReservationInfo:
    """Hold every line of an order or cart, or nothing (what was made, as a frozen ReservationInfo).

    `locations` is the sourcing decision, in preference order; without it, the locations that ship
    for `channel`, by their priority for it. A line with its own `location` is held only there. Units
    held back as the channel's safety stock at a location are never promised. Raises
    InsufficientStock (409) naming the short lines in `extra["lines"]`, Conflict (409) when the
    reference already holds an active reservation. Inside a transaction it is part of it (and leaves
    nothing behind when it raises); called in autocommit it is a transaction of its own.

    The hot path (PostgreSQL): decide which stock row each line comes from — at once when each line
    has one place to come from (pinned, or a single sourcing location), else by allocating on one
    unlocked read of the candidate rows — then locks.reserve_at_once, ONE call of a database function
    that writes the reservation, its lines and its event, queues on each row, and only then raises
    `reserved` on those rows, which locks them: locks are held for that UPDATE and the commit, as for
    a bare conditional UPDATE. When the stock moved in between, that call writes nothing and the
    reservation is made under locks
    (_reserve_under_locks: lock every candidate row, allocate on the locked values), the path
    SQLite always takes.

    `at_commit=True` (a caller whose transaction reads nothing of the reservation afterwards: an
    order's placement) defers the call to the end of the caller's transaction. When it is one stock
    row with one place to come from (pinned, or a single sourcing location), inside any outermost
    atomic() on PostgreSQL, called at that block's level (not in a savepoint), the call is sent WITH
    the COMMIT, in one round trip (core.laststep.ride; a later do_commit/do_release of it in the same
    transaction writes it first):
    a shortage found then fails that COMMIT like a deferred constraint — the whole transaction rolls
    back, its on_commit callbacks never run, and atomic() raises InsufficientStock (409, naming the
    lines; Conflict for a reference already held). Otherwise, inside an API write request, the call
    runs as the transaction's last statement after the answer is ready (core.laststep.defer), its
    shortage the request's 409. Either way the hot row's lock is held for that statement and the
    COMMIT only, and what it returns is the reservation about to be written. Elsewhere the flag
    changes nothing. The shortages visible before (on the unlocked read) still raise at once.
    """
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ValidationFailed.on("reference", "is required (at most 64 characters)")
    wanted = _aggregate(lines)
    check_channel_exists(channel)
    order = list(dict.fromkeys(locations)) if locations else None
    reservation = _new_reservation(reference=reference, channel=channel, expires_in=expires_in, actor=actor)
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each read through `connection` looks it up again
    if db.vendor == "postgresql":
        plan = _one_place_each(wanted, order)
        one_place = plan is not None
        if plan is None:
            rows, candidates = _candidates(wanted, channel, order)
            taken, short = _allocate(wanted, {(r[1], r[2]): r for r in rows}, candidates)
            if short:
                _refuse(wanted, short)
            by_pk = {r[0]: r for r in rows}
            plan = [(by_pk[pk][1], by_pk[pk][2], q) for pk, q in taken.items()]
        if at_commit and one_place and len(plan) == 1 and _ride_with_commit(reservation, plan[0], wanted, db):
            return queries.reservation_info(reservation)
        if at_commit and laststep.defer(lambda: _reserve_now(reservation, plan, wanted, channel, order, db)):
            return queries.reservation_info(reservation)
        return queries.reservation_info(_reserve_now(reservation, plan, wanted, channel, order, db))
    with transaction.atomic():
        info = queries.reservation_info(_reserve_under_locks(_as_model(reservation), wanted, channel, order))
    _RESERVED.inc()
    return info


def _reserve_now(reservation: _Draft, plan, wanted, channel: str, order: list[str] | None,
                 db) -> _Draft | Reservation:
    """PostgreSQL: the one-call reservation of `plan`, or under locks when the stock moved meanwhile."""
    made: _Draft | Reservation | None = _reserve_at_once(reservation, plan, db)
    if made is None:
        with transaction.atomic():
            made = _reserve_under_locks(_as_model(reservation), wanted, channel, order)
    _RESERVED.inc()
    return made


def _ride_with_commit(reservation: _Draft, row: tuple[str, str, int], wanted, db) -> bool:
    """Hand the one-row reservation to the COMMIT of the caller's transaction (one round trip for
    both: locks.reserve_with_commit). Its refusal is that COMMIT's failure: the whole transaction
    rolls back and atomic() raises InsufficientStock (or Conflict for a reference already held)."""
    sku, code, take = row
    event = outbox.prepare(_reserved_event(reservation, [(code, sku, take)]))

    def refusal(error: Exception) -> Exception | None:
        refused = locks.refused(error)
        if refused is None:
            return None
        kind, spare = refused
        if kind == locks.DUPLICATE:
            RESERVATIONS.labels(outcome="duplicate").inc()
            return Conflict(detail=f"Reference {reservation.reference} already holds an active reservation.")
        RESERVATIONS.labels(outcome="short").inc()
        OVERSELL_GUARD_TRIPS.labels(guard="database").inc()
        return InsufficientStock(detail=_short_words(), extra={"lines": [
            {"sku": line_sku, "location": pinned, "requested": q, "available": min(spare, q)}
            for (line_sku, pinned), q in wanted.items()]})

    def after(reservation_id: int, event_id: int) -> None:
        reservation.pk = reservation_id
        outbox.written(event, event_id, db)
        _RESERVED.inc()

    return locks.reserve_with_commit(reservation=reservation, row=row, event=event, refusal=refusal, after=after,
                                     db=db)


def _one_place_each(wanted, order: list[str] | None) -> list[tuple[str, str, int]] | None:
    """(SKU, location, units) per stock row when every line has exactly one place to come from —
    pinned to a location, or sourcing named a single one — so no allocation is needed; else None."""
    plan: dict[tuple[str, str], int] = {}
    for (sku, pinned), quantity in wanted.items():
        code = pinned or (order[0] if order and len(order) == 1 else None)
        if code is None:
            return None
        plan[(sku, code)] = plan.get((sku, code), 0) + quantity
    return [(sku, code, q) for (sku, code), q in plan.items()]


def _candidates(wanted, channel: str, order: list[str] | None) -> tuple[list[tuple], list[str]]:
    rows = queries.reserve_candidates(skus=sorted({sku for sku, _ in wanted}), channel=channel, locations=order,
                                      pinned=sorted({code for _, code in wanted if code}))
    return rows, order if order else _by_priority(rows)


def _short_words() -> str:  # the refusal's words, in the reader's language when raised
    return gettext("Not every line can be promised; nothing was reserved.")


def _refuse(wanted, short: list[dict]) -> None:
    _variants({sku for sku, _ in wanted})  # an unknown SKU is a 422, not a shortage
    RESERVATIONS.labels(outcome="short").inc()
    OVERSELL_GUARD_TRIPS.labels(guard="allocation").inc()
    raise InsufficientStock(detail=_short_words(), extra={"lines": short})


class _Draft:
    """The reservation about to be written, as the one-call path needs it: its values, then its id.
    A Reservation model instance per call (Model.__init__, its field descriptors) was a tenth of a
    hot-SKU reservation's Python (issue 23); the path under locks makes one of it (_as_model)."""

    __slots__ = ("actor", "channel_id", "created_at", "expires_at", "pk", "public_id", "reference", "status")

    def __init__(self, *, reference: str, channel: str, now, expires_in, actor: str):
        self.public_id, self.reference, self.channel_id, self.actor = new_id("rsv"), reference, channel, actor
        self.created_at, self.expires_at = now, now + expires_in if expires_in else None
        self.status = ReservationStatus.ACTIVE
        self.pk: int | None = None


def _new_reservation(*, reference: str, channel: str, expires_in, actor: Principal) -> _Draft:
    return _Draft(reference=reference, channel=channel, now=clock.now(), expires_in=expires_in, actor=_who(actor))


# Model.__init__ takes positional values in half the time of keywords.
_RESERVATION_FIELDS = tuple(f.attname for f in Reservation._meta.concrete_fields)


def _as_model(draft: _Draft) -> Reservation:
    """The Reservation (not yet saved) the path under locks writes."""
    return Reservation(*(getattr(draft, name, None) for name in _RESERVATION_FIELDS))


def _reserve_at_once(reservation: _Draft, plan: list[tuple[str, str, int]], db=None) -> _Draft | None:
    """The one-call reservation; None when it gave way (nothing written). No savepoint around it in
    a caller's transaction: the function gives way by undoing its own rows, never by raising, so the
    caller's transaction stays usable, and the call costs one round trip, not three (SAVEPOINT and
    RELEASE, the latter under the hot row's lock until the caller commits)."""
    event = outbox.prepare(_reserved_event(reservation, [(code, sku, q) for sku, code, q in plan]))
    try:
        reservation_id, event_id = locks.reserve_at_once(reservation=reservation, plan=plan, event=event, db=db)
    except locks.GaveWay:
        OVERSELL_GUARD_TRIPS.labels(guard="database").inc()
        return None
    if reservation_id is None:
        _refuse_duplicate(reservation.reference)
    reservation.pk = reservation_id
    outbox.written(event, event_id, db)
    return reservation


def _reserve_under_locks(reservation: Reservation, wanted, channel: str, order: list[str] | None) -> Reservation:
    """Lock every candidate row (primary-key order), allocate on the locked values, write."""
    rows, candidates = _candidates(wanted, channel, order)
    fresh = {r["pk"]: r for r in locks.stock_rows(r[0] for r in rows)}
    rows = [(*r[:3], fresh[r[0]]["on_hand"], fresh[r[0]]["reserved"], *r[5:]) for r in rows if r[0] in fresh]
    taken, short = _allocate(wanted, {(r[1], r[2]): r for r in rows}, candidates)
    if short:
        _refuse(wanted, short)
    _insert_reservation(reservation)
    ReservationLine.objects.bulk_create(
        [ReservationLine(reservation=reservation, stock_id=pk, quantity=q) for pk, q in taken.items()]
    )
    by_pk = {r[0]: r for r in rows}
    outbox.emit(_reserved_event(reservation, [(by_pk[pk][2], by_pk[pk][1], q) for pk, q in taken.items()]))
    _apply(reserved=taken, now=reservation.created_at)
    return reservation


def _by_priority(rows: list[tuple]) -> list[str]:
    """The channel's shipping locations among the rows, by their priority for it."""
    order = {r[2]: r[6] for r in rows if r[7]}
    return sorted(order, key=lambda code: (order[code], code))


def _refuse_duplicate(reference: str) -> None:
    RESERVATIONS.labels(outcome="duplicate").inc()
    raise Conflict(detail=f"Reference {reference} already holds an active reservation.")


def _insert_reservation(reservation: Reservation) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a second active reservation for one reference is refused
    without a savepoint."""
    table = connection.ops.quote_name(Reservation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (public_id, reference, channel_id, status, created_at, expires_at, actor) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [reservation.public_id, reservation.reference, reservation.channel_id, reservation.status,
             reservation.created_at, reservation.expires_at, reservation.actor],
        )
        row = cursor.fetchone()
    if row is None:
        _refuse_duplicate(reservation.reference)
    reservation.pk = row[0]
    reservation._state.adding = False


def _reserved_event(reservation: _Draft | Reservation, held: list[tuple[str, str, int]]) -> StockReserved:
    """The StockReserved event of `held`: (location code, SKU, units) per stock row."""
    return StockReserved(
        reservation_id=reservation.public_id, reference=reservation.reference, channel=reservation.channel_id,
        expires_at=reservation.expires_at.isoformat() if reservation.expires_at else None,
        lines=tuple(StockLine(location=code, sku=sku, quantity=q) for code, sku, q in held),
    )


def _find_reservation(*, reference: str | None, reservation_id: str | None) -> Reservation:
    """Lock the reservation: the active one of a reference, or one by id. A reservation riding with
    the COMMIT of this transaction (do_reserve(at_commit=True)) is written first (core.laststep.flush)."""
    laststep.flush(connections[DEFAULT_DB_ALIAS])
    if reservation_id:
        qs = Reservation.objects.filter(public_id=reservation_id)
    elif reference:
        active = locks.reservation(Reservation.objects.filter(reference=reference, status=ReservationStatus.ACTIVE))
        if active is not None:
            return active
        qs = Reservation.objects.filter(reference=reference).order_by("-created_at", "-id")
    else:
        raise ValidationFailed.on("reference", "name the reservation by reference or id")
    found = locks.reservation(qs)
    if found is None:
        raise NotFound(detail=f"No reservation {reservation_id or reference}.")
    return found


def _held_lines(reservation: Reservation, location: str | None) -> list[dict]:
    qs = ReservationLine.objects.filter(reservation=reservation, state=LineState.HELD)
    if location:
        qs = qs.filter(stock__location__code=location)
    return list(qs.values("pk", "stock_id", "quantity", "stock__location__code", "stock__variant__sku"))


def _close_if_done(reservation: Reservation, now) -> None:
    states = set(ReservationLine.objects.filter(reservation=reservation).values_list("state", flat=True))
    if LineState.HELD in states:
        return
    reservation.status = ReservationStatus.COMMITTED if LineState.COMMITTED in states else reservation.status
    reservation.closed_at = now
    reservation.save(update_fields=["status", "closed_at"])


def do_release(*, reference: str | None = None, reservation_id: str | None = None, location: str | None = None,
               reason: str = "released", actor: Principal = SYSTEM) -> Reservation:
    """Give held units back (cancelled order, abandoned cart, expiry). Releasing what is already
    released is a no-op; releasing a committed reservation is an invalid transition."""
    reservation = _find_reservation(reference=reference, reservation_id=reservation_id)
    if reservation.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
        return reservation
    if reservation.status == ReservationStatus.COMMITTED:
        raise InvalidTransition(detail=f"Reservation {reservation.public_id} is already committed.")
    held = _held_lines(reservation, location)
    if not held:
        return reservation
    now = clock.now()
    locks.stock_rows({line["stock_id"] for line in held})
    cut: dict[int, int] = defaultdict(int)
    for line in held:
        cut[line["stock_id"]] -= line["quantity"]
    _apply(reserved=dict(cut), now=now)
    ReservationLine.objects.filter(pk__in=[line["pk"] for line in held]).update(state=LineState.RELEASED)
    if not ReservationLine.objects.filter(reservation=reservation, state=LineState.HELD).exists():
        committed = ReservationLine.objects.filter(reservation=reservation, state=LineState.COMMITTED).exists()
        reservation.status = (ReservationStatus.COMMITTED if committed else
                              ReservationStatus.EXPIRED if reason == "expired" else ReservationStatus.RELEASED)
        reservation.closed_at = now
        reservation.save(update_fields=["status", "closed_at"])
    outbox.emit(ReservationReleased(
        reservation_id=reservation.public_id, reference=reservation.reference, reason=reason,
        lines=tuple(StockLine(location=line["stock__location__code"], sku=line["stock__variant__sku"],
                              quantity=line["quantity"]) for line in held),
    ))
    return reservation


def do_commit(*, reference: str | None = None, reservation_id: str | None = None, location: str | None = None,
              actor: Principal = SYSTEM) -> Reservation:
    """Fulfilment: the held units leave (on_hand and reserved both drop) as `sale` movements.
    With `location`, only the lines held there (one fulfilment of a split order)."""
    reservation = _find_reservation(reference=reference, reservation_id=reservation_id)
    if reservation.status != ReservationStatus.ACTIVE:
        if reservation.status == ReservationStatus.COMMITTED and not _held_lines(reservation, location):
            return reservation
        raise InvalidTransition(detail=f"Reservation {reservation.public_id} is {reservation.status}.")
    held = _held_lines(reservation, location)
    if not held:
        return reservation
    now = clock.now()
    rows = {r["pk"]: r for r in locks.stock_rows({line["stock_id"] for line in held})}
    cut: dict[int, int] = defaultdict(int)
    for line in held:
        cut[line["stock_id"]] -= line["quantity"]
    _apply(on_hand=dict(cut), reserved=dict(cut), now=now)
    StockMovement.objects.bulk_create([
        StockMovement(stock_id=pk, kind=MovementKind.SALE, quantity=delta, on_hand_after=rows[pk]["on_hand"] + delta,
                      reference=reservation.reference, actor=_who(actor), at=now)
        for pk, delta in cut.items()
    ])
    ReservationLine.objects.filter(pk__in=[line["pk"] for line in held]).update(state=LineState.COMMITTED)
    _close_if_done(reservation, now)
    lines = tuple(StockLine(location=line["stock__location__code"], sku=line["stock__variant__sku"],
                            quantity=line["quantity"]) for line in held)
    outbox.emit(ReservationCommitted(reservation_id=reservation.public_id, reference=reservation.reference,
                                     lines=lines))
    outbox.emit(StockChanged(kind=MovementKind.SALE, reference=reservation.reference, lines=tuple(
        StockLine(location=line.location, sku=line.sku, quantity=-line.quantity) for line in lines)))
    return reservation


def do_expire_reservations(*, limit: int = 500) -> int:
    """Release every active reservation past its expiry, each in its own transaction (the periodic
    task's body). Returns how many expired."""
    now = clock.now()
    due = list(
        Reservation.objects.filter(status=ReservationStatus.ACTIVE, expires_at__lte=now)
        .order_by("expires_at", "pk").values_list("public_id", flat=True)[:limit]
    )
    expired = 0
    for public_id in due:
        with transaction.atomic():
            reservation = locks.reservation(Reservation.objects.filter(public_id=public_id))
            # Re-checked under the lock: a commit or release may have won the race.
            if reservation is None or reservation.status != ReservationStatus.ACTIVE or reservation.expires_at > now:
                continue
            do_release(reservation_id=public_id, reason="expired")
            expired += 1
    return expired

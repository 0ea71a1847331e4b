"""The inventory's only writers. Keyword arguments; they run inside the caller's transaction.

The service API that orders (and ship-to-store, POS, returns) call:

    do_reserve(reference=, channel=, lines=[ReserveLine(sku, quantity, location=None)],
               locations=None, expires_in=DEFAULT_HOLD)          -> Reservation   (all or nothing)
    do_release(reference=, location=None, reason="released")     -> Reservation | None
    do_commit(reference=, location=None)                          -> Reservation   (fulfilment: sold)
    do_receive_stock(location=, lines=[(sku, qty)], kind="receipt"|"return", reference=)
    do_adjust_stock(location=, sku=, delta=, reason=)
    do_count(location=, lines=[(sku, counted)])                   -> StockCount (variance report)
    do_request_transfer / do_ship_transfer / do_receive_transfer / do_cancel_transfer

Every change of on_hand writes a StockMovement in the same statement batch, so on_hand always equals
the sum of movements. Locks are taken only through locks.py, in its fixed order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When

from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog.models import Variant
from omnicanal.core import audit, clock, hours, outbox
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
    TransferReceived,
    TransferShipped,
)
from omnicanal.inventory.models import (
    CAPABILITIES,
    LineState,
    Location,
    LocationChannel,
    LocationKind,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
)

DEFAULT_HOLD = timedelta(minutes=30)
MAX_LINES = 500


@dataclass(frozen=True)
class ReserveLine:
    sku: str
    quantity: int
    location: str | None = None  # pinned by sourcing (pickup at this store); None: any serving location


def _who(actor: Principal) -> str:
    return f"{actor.kind}:{actor.name}"[:100]


def _is_person(actor: Principal) -> bool:
    return actor.kind != "system"


# --- locations ------------------------------------------------------------------------------------


def do_create_location(
    *,
    code: str,
    name: str,
    kind: str,
    capabilities: Iterable[str] = (),
    address: dict | None = None,
    lat: float | None = None,
    lon: float | None = None,
    timezone: str = "America/Santiago",
    opening_hours: dict | None = None,
    channels: Sequence[dict] | None = None,
    actor: Principal = SYSTEM,
) -> Location:
    """A location and the channels it serves. Without `channels` it serves every active channel:
    shipping if it ships, handing over if it has pickup (restrict later with do_link_channel)."""
    code = code.strip().upper()
    if Location.objects.filter(code=code).exists():
        raise ValidationFailed.on("code", "is taken")
    if kind not in LocationKind.values:
        raise ValidationFailed.on("kind", f"must be one of {', '.join(LocationKind.values)}")
    caps = set(capabilities)
    unknown = caps - set(CAPABILITIES)
    if unknown:
        raise ValidationFailed.on("capabilities", f"unknown: {', '.join(sorted(unknown))}")
    if (lat is None) != (lon is None):
        raise ValidationFailed.on("lat", "give both lat and lon, or neither")
    hours.check_timezone(timezone)
    hours.parse(opening_hours or {})
    address = address or {}
    location = Location.objects.create(
        code=code, name=name.strip(), kind=kind, ships="ship" in caps, pickup="pickup" in caps,
        curbside="curbside" in caps, returns="returns" in caps, line1=address.get("line1", ""),
        line2=address.get("line2") or "", city=address.get("city", ""), region=address.get("region") or "",
        postal_code=address.get("postal_code") or "", country=address.get("country", ""), lat=lat, lon=lon,
        timezone=timezone, opening_hours=opening_hours or {},
    )
    if channels is None:
        channels = [{"channel": c, "ships": location.ships, "pickup": location.pickup}
                    for c in catalog_queries.channel_codes()]
    for link in channels:
        if link.get("ships", True) or link.get("pickup", False):
            do_link_channel(location=location, **link)
    audit.record(actor=actor, action="location.create", target_type="location", target_id=code,
                 after={"kind": kind, "capabilities": sorted(caps)})
    return location


def do_link_channel(
    *, location: Location, channel: str, ships: bool = True, pickup: bool = False, safety_stock: int = 0,
    priority: int = 100,
) -> LocationChannel | None:
    """Which channel a location serves, how, and the units it keeps back from it. Neither shipping
    nor pickup removes the link."""
    _check_channel_exists(channel)
    if safety_stock < 0:
        raise ValidationFailed.on("safety_stock", "may not be negative")
    ships = ships and location.ships
    pickup = pickup and location.pickup
    if not ships and not pickup:
        LocationChannel.objects.filter(location=location, channel_id=channel).delete()
        return None
    link, _ = LocationChannel.objects.update_or_create(
        location=location, channel_id=channel,
        defaults={"ships": ships, "pickup": pickup, "safety_stock": safety_stock, "priority": priority},
    )
    return link


# --- helpers shared by the writers ------------------------------------------------------------------


def _case(values: dict[int, int]) -> Case | Value:
    if not values:
        return Value(0)
    return Case(*[When(pk=pk, then=Value(v)) for pk, v in values.items()], default=Value(0), output_field=IntegerField())


def _apply(*, on_hand: dict[int, int] | None = None, reserved: dict[int, int] | None = None, now) -> int:
    """One UPDATE for many stock rows: on_hand += on_hand[pk], reserved += reserved[pk]."""
    on_hand, reserved = on_hand or {}, reserved or {}
    ids = set(on_hand) | set(reserved)
    changes: dict = {"updated_at": now}
    if on_hand:
        changes["on_hand"] = F("on_hand") + _case(on_hand)
    if reserved:
        changes["reserved"] = F("reserved") + _case(reserved)
    return StockLevel.objects.filter(pk__in=ids).update(**changes)


def _variants(skus: Iterable[str], field: str = "lines") -> dict[str, int]:
    skus = set(skus)
    found = dict(Variant.objects.filter(sku__in=skus).values_list("sku", "id"))
    missing = sorted(skus - set(found))
    if missing:
        raise ValidationFailed.on(field, f"unknown SKU: {', '.join(missing)}")
    return found


def get_location(code: str) -> Location:
    location = Location.objects.filter(code=code).first()
    if location is None:
        raise NotFound(detail=f"No location {code}.")
    return location


def _locked_rows(location: Location, variant_ids: Iterable[int], now) -> dict[int, dict]:
    """Lock the stock rows of these variants at one location, creating the missing ones first."""
    variant_ids = set(variant_ids)
    rows = locks.stock_rows_for(variant_ids=variant_ids, location_ids=[location.pk])
    missing = variant_ids - {r["variant_id"] for r in rows}
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(location=location, variant_id=v, on_hand=0, reserved=0, updated_at=now) for v in missing],
            ignore_conflicts=True,
        )
        rows = locks.stock_rows_for(variant_ids=variant_ids, location_ids=[location.pk])
    return {r["variant_id"]: r for r in rows}


def _sum_lines(lines: Iterable[tuple[str, int]], field: str = "lines") -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for i, (sku, quantity) in enumerate(lines):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ValidationFailed.on(f"{field}.{i}.quantity", "must be a positive whole number")
        total[sku] += quantity
    if not total:
        raise ValidationFailed.on(field, "at least one line is required")
    if len(total) > MAX_LINES:
        raise ValidationFailed.on(field, f"at most {MAX_LINES} SKUs at once")
    return dict(total)


def _move(*, kind: str, location: Location, changes: dict[str, int], reference: str = "", reason: str = "",
          actor: Principal, allow_reserved_cut: bool = False) -> list[StockLine]:
    """Change on_hand at one location by signed amounts per SKU: one lock, one UPDATE, one INSERT of
    movements, one event. A decrease may not cut into reserved units."""
    now = clock.now()
    variants = _variants(changes)
    rows = _locked_rows(location, variants.values(), now)
    short = []
    for sku, delta in changes.items():
        row = rows[variants[sku]]
        if row["on_hand"] + delta < (0 if allow_reserved_cut else row["reserved"]):
            short.append({"sku": sku, "location": location.code, "requested": -delta,
                          "available": row["on_hand"] - row["reserved"], "reserved": row["reserved"]})
    if short:
        raise InsufficientStock(detail="Not enough unreserved stock for this change.", extra={"lines": short})
    deltas = {rows[variants[sku]]["pk"]: delta for sku, delta in changes.items() if delta}
    if deltas:
        _apply(on_hand=deltas, now=now)
    StockMovement.objects.bulk_create([
        StockMovement(stock_id=rows[variants[sku]]["pk"], kind=kind, quantity=delta,
                      on_hand_after=rows[variants[sku]]["on_hand"] + delta, reference=reference, reason=reason,
                      actor=_who(actor), at=now)
        for sku, delta in changes.items()
    ])
    lines = tuple(
        StockLine(location=location.code, sku=sku, quantity=delta, on_hand=rows[variants[sku]]["on_hand"] + delta,
                  reserved=rows[variants[sku]]["reserved"])
        for sku, delta in changes.items() if delta
    )
    if lines:
        outbox.emit(StockChanged(kind=kind, reference=reference, lines=lines))
    return list(lines)


# --- receipts, returns, adjustments, counts ---------------------------------------------------------


def do_receive_stock(*, location: Location, lines: Sequence[tuple[str, int]], kind: str = MovementKind.RECEIPT,
                     reference: str = "", reason: str = "", actor: Principal = SYSTEM) -> list[StockLine]:
    """Goods in: a delivery (receipt) or a customer's return put back on the shelf (return)."""
    if kind not in (MovementKind.RECEIPT, MovementKind.RETURN):
        raise ValidationFailed.on("kind", "must be receipt or return")
    changes = _sum_lines(lines)
    result = _move(kind=kind, location=location, changes=changes, reference=reference, reason=reason, actor=actor)
    if _is_person(actor):
        audit.record(actor=actor, action=f"stock.{kind}", target_type="location", target_id=location.code,
                     after=changes, reason=reason or reference)
    return result


def do_adjust_stock(*, location: Location, sku: str, delta: int, reason: str,
                    actor: Principal = SYSTEM) -> list[StockLine]:
    """A known change with a reason (damaged, stolen, found). May not cut into reserved units."""
    if not reason.strip():
        raise ValidationFailed.on("reason", "say why the stock changes")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValidationFailed.on("delta", "must be a whole number other than zero")
    result = _move(kind=MovementKind.ADJUSTMENT, location=location, changes={sku: delta}, reason=reason.strip(),
                   actor=actor)
    audit.record(actor=actor, action="stock.adjust", target_type="stock", target_id=f"{location.code}/{sku}",
                 before={"on_hand": result[0].on_hand - delta}, after={"on_hand": result[0].on_hand},
                 reason=reason.strip())
    return result


def do_count(*, location: Location, lines: Sequence[tuple[str, int]], reason: str = "",
             actor: Principal = SYSTEM) -> StockCount:
    """A cycle count: the counted quantities become on_hand and the differences are recorded as
    count movements. A count below the units reserved there is refused: release or re-source those
    reservations first (the count would otherwise break a promise silently)."""
    counted: dict[str, int] = {}
    for i, (sku, quantity) in enumerate(lines):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValidationFailed.on(f"lines.{i}.counted", "must be zero or a positive whole number")
        if sku in counted:
            raise ValidationFailed.on(f"lines.{i}.sku", f"SKU {sku} is counted twice")
        counted[sku] = quantity
    if not counted:
        raise ValidationFailed.on("lines", "at least one line is required")
    now = clock.now()
    variants = _variants(counted)
    rows = _locked_rows(location, variants.values(), now)
    below = [{"sku": sku, "counted": n, "reserved": rows[variants[sku]]["reserved"]}
             for sku, n in counted.items() if n < rows[variants[sku]]["reserved"]]
    if below:
        raise Conflict(detail="Counted less than the units reserved; release or re-source them first.",
                       extra={"lines": below})
    count = StockCount.objects.create(public_id=new_id("cnt"), location=location, created_at=now,
                                      actor=_who(actor), reason=reason)
    StockCountLine.objects.bulk_create([
        StockCountLine(count=count, variant_id=variants[sku], expected=rows[variants[sku]]["on_hand"], counted=n)
        for sku, n in counted.items()
    ])
    changes = {sku: n - rows[variants[sku]]["on_hand"] for sku, n in counted.items()}
    _move(kind=MovementKind.COUNT, location=location, changes=changes, reference=count.public_id,
          reason=reason, actor=actor)
    audit.record(actor=actor, action="stock.count", target_type="location", target_id=location.code,
                 before={sku: rows[variants[sku]]["on_hand"] for sku in counted}, after=counted,
                 reason=reason or count.public_id)
    return count


# --- reservations -----------------------------------------------------------------------------------


def _check_channel_exists(channel: str) -> None:
    """The reservation's channel is a row of the catalog (its foreign key has no database
    constraint), active or not: an open order of a channel closed since still re-reserves."""
    if not catalog_queries.channel_exists(channel):
        raise ValidationFailed.on("channel", f"no channel {channel}")


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
) -> Reservation:
    """Hold every line of an order or cart, or nothing.

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
    """
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ValidationFailed.on("reference", "is required (at most 64 characters)")
    wanted = _aggregate(lines)
    _check_channel_exists(channel)
    order = list(dict.fromkeys(locations)) if locations else None
    reservation = _new_reservation(reference=reference, channel=channel, expires_in=expires_in, actor=actor)
    if connection.vendor == "postgresql":
        plan = _one_place_each(wanted, order)
        if plan is None:
            rows, candidates = _candidates(wanted, channel, order)
            taken, short = _allocate(wanted, {(r[1], r[2]): r for r in rows}, candidates)
            if short:
                _refuse(wanted, short)
            by_pk = {r[0]: r for r in rows}
            plan = [(by_pk[pk][1], by_pk[pk][2], q) for pk, q in taken.items()]
        made = _reserve_at_once(reservation, plan)
        if made is not None:
            return made
    with transaction.atomic():
        return _reserve_under_locks(reservation, wanted, channel, order)


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


def _refuse(wanted, short: list[dict]) -> None:
    _variants({sku for sku, _ in wanted})  # an unknown SKU is a 422, not a shortage
    raise InsufficientStock(detail="Not every line can be promised; nothing was reserved.", extra={"lines": short})


# Model.__init__ takes positional values in half the time of keywords: the reserve hot path builds one
# Reservation per call.
_RESERVATION_FIELDS = tuple(f.attname for f in Reservation._meta.concrete_fields)


def _new_reservation(*, reference: str, channel: str, expires_in, actor: Principal) -> Reservation:
    now = clock.now()
    values = {"public_id": new_id("rsv"), "reference": reference, "channel_id": channel, "created_at": now,
              "expires_at": now + expires_in if expires_in else None, "actor": _who(actor),
              "status": ReservationStatus.ACTIVE}
    return Reservation(*(values.get(name) for name in _RESERVATION_FIELDS))


def _reserve_at_once(reservation: Reservation, plan: list[tuple[str, str, int]]) -> Reservation | None:
    """The one-call reservation; None when it gave way (nothing written). In a caller's
    transaction it runs in a savepoint, so a statement that aborts leaves that transaction usable."""
    event = outbox.prepare(_reserved_event(reservation, [(code, sku, q) for sku, code, q in plan]))
    in_transaction = connection.in_atomic_block or not connection.get_autocommit()
    try:
        with transaction.atomic() if in_transaction else nullcontext():
            reservation_id, event_id = locks.reserve_at_once(reservation=reservation, plan=plan, event=event)
    except locks.GaveWay:
        return None
    if reservation_id is None:
        _refuse_duplicate(reservation.reference)
    reservation.pk = reservation_id
    reservation._state.adding = False
    outbox.written(event, event_id)
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


def _reserved_event(reservation: Reservation, held: list[tuple[str, str, int]]) -> StockReserved:
    """The StockReserved event of `held`: (location code, SKU, units) per stock row."""
    return StockReserved(
        reservation_id=reservation.public_id, reference=reservation.reference, channel=reservation.channel_id,
        expires_at=reservation.expires_at.isoformat() if reservation.expires_at else None,
        lines=tuple(StockLine(location=code, sku=sku, quantity=q) for code, sku, q in held),
    )


def _find_reservation(*, reference: str | None, reservation_id: str | None) -> Reservation:
    """Lock the reservation: the active one of a reference, or one by id."""
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


# --- transfers ---------------------------------------------------------------------------------------


def do_request_transfer(*, origin: Location, destination: Location, lines: Sequence[tuple[str, int]],
                        reference: str = "", note: str = "", actor: Principal = SYSTEM) -> Transfer:
    if origin.pk == destination.pk:
        raise ValidationFailed.on("destination", "must differ from the origin")
    wanted = _sum_lines(lines)
    variants = _variants(wanted)
    transfer = Transfer.objects.create(public_id=new_id("trf"), origin=origin, destination=destination,
                                       reference=reference, note=note, created_at=clock.now(), actor=_who(actor))
    TransferLine.objects.bulk_create([TransferLine(transfer=transfer, variant_id=variants[sku], quantity=q)
                                      for sku, q in wanted.items()])
    audit.record(actor=actor, action="transfer.request", target_type="transfer", target_id=transfer.public_id,
                 after={"origin": origin.code, "destination": destination.code, "lines": wanted})
    return transfer


def _transfer_lines(transfer: Transfer) -> list[TransferLine]:
    return list(transfer.lines.select_related("variant").order_by("pk"))


def do_ship_transfer(*, transfer_id: str, actor: Principal = SYSTEM) -> Transfer:
    """The goods leave the origin (transfer_out movements) and are in transit."""
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only a requested one ships.")
    lines = _transfer_lines(transfer)
    moved = _move(kind=MovementKind.TRANSFER_OUT, location=transfer.origin,
                  changes={line.variant.sku: -line.quantity for line in lines}, reference=transfer.public_id,
                  actor=actor)
    transfer.status = TransferStatus.IN_TRANSIT
    transfer.shipped_at = clock.now()
    transfer.save(update_fields=["status", "shipped_at"])
    outbox.emit(TransferShipped(transfer_id=transfer.public_id, origin=transfer.origin.code,
                                destination=transfer.destination.code, reference=transfer.reference,
                                lines=tuple(StockLine(location=m.location, sku=m.sku, quantity=-m.quantity)
                                            for m in moved)))
    audit.record(actor=actor, action="transfer.ship", target_type="transfer", target_id=transfer.public_id,
                 after={line.variant.sku: line.quantity for line in lines})
    return transfer


def do_receive_transfer(*, transfer_id: str, received: dict[str, int] | None = None,
                        actor: Principal = SYSTEM) -> Transfer:
    """The goods arrive (transfer_in movements). `received` per SKU, default everything shipped;
    fewer than shipped is recorded on the line as lost on the way."""
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only one in transit arrives.")
    lines = _transfer_lines(transfer)
    shipped = {line.variant.sku: line.quantity for line in lines}
    got = dict(shipped) if received is None else {sku: received.get(sku, 0) for sku in shipped}
    unknown = set(received or {}) - set(shipped)
    if unknown:
        raise ValidationFailed.on("lines", f"not in this transfer: {', '.join(sorted(unknown))}")
    for sku, n in got.items():
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= shipped[sku]:
            raise ValidationFailed.on(f"lines.{sku}", f"received must be between 0 and {shipped[sku]}")
    changes = {sku: n for sku, n in got.items() if n}
    moved = []
    if changes:
        moved = _move(kind=MovementKind.TRANSFER_IN, location=transfer.destination, changes=changes,
                      reference=transfer.public_id, actor=actor)
    for line in lines:
        line.received = got[line.variant.sku]
    TransferLine.objects.bulk_update(lines, ["received"])
    transfer.status = TransferStatus.RECEIVED
    transfer.received_at = clock.now()
    transfer.save(update_fields=["status", "received_at"])
    missing = sum(shipped.values()) - sum(got.values())
    outbox.emit(TransferReceived(transfer_id=transfer.public_id, origin=transfer.origin.code,
                                 destination=transfer.destination.code, reference=transfer.reference,
                                 lines=tuple(moved), missing=missing))
    audit.record(actor=actor, action="transfer.receive", target_type="transfer", target_id=transfer.public_id,
                 before=shipped, after=got, reason=f"missing {missing}" if missing else "")
    return transfer


def do_cancel_transfer(*, transfer_id: str, actor: Principal = SYSTEM) -> Transfer:
    transfer = locks.transfer(transfer_id)
    if transfer is None:
        raise NotFound(detail=f"No transfer {transfer_id}.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(detail=f"Transfer {transfer_id} is {transfer.status}; only a requested one cancels.")
    transfer.status = TransferStatus.CANCELLED
    transfer.save(update_fields=["status"])
    audit.record(actor=actor, action="transfer.cancel", target_type="transfer", target_id=transfer.public_id)
    return transfer

"""The only writers of analytics: the rollups, kept incrementally by handlers.py from the order
book's events, and rebuilt from the raw facts on demand (`omnicanal analytics_rebuild` after
installing analytics on a shop with history). Each do_* runs inside its caller's transaction (the
outbox runs each handler in one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction

from omnicanal.analytics import cells, kpis, order_rollups
from omnicanal.analytics.cells import add as _add
from omnicanal.analytics.cells import buckets as buckets
from omnicanal.analytics.models import CountedOrder, CountedReturn, RollupCell
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders

STORE_KINDS = ("store",)


def _order_deltas(counted: CountedOrder, sign: int) -> dict[str, Decimal]:
    deltas = {kpis.ORDERS: Decimal(sign), kpis.REVENUE: counted.total * sign,
              kpis.METHOD + counted.delivery_method: Decimal(sign)}
    if counted.ship_to_store:
        deltas[kpis.SHIP_TO_STORE] = Decimal(sign)
    if counted.ship_from_store:
        deltas[kpis.SHIP_FROM_STORE] = Decimal(sign)
    return deltas


def ships_from_store(fact: orders.OrderFact, kinds: dict[str, str]) -> bool:
    """A fulfilment of the order is shipped (to an address) from a store, not a warehouse."""
    return any(f.method == "ship" and kinds.get(f.location) in STORE_KINDS for f in fact.fulfillments)


def location_kinds() -> dict[str, str]:
    return {code: info.kind for code, info in inventory.location_infos(active_only=False).items()}


def _defaults(fact: orders.OrderFact, kinds: dict[str, str]) -> dict:
    return {"placed_at": fact.placed_at, "channel": fact.channel, "location": fact.location,
            "delivery_method": fact.delivery_method, "total": fact.total,
            "ship_to_store": any(f.method == "ship_to_store" for f in fact.fulfillments),
            "ship_from_store": ships_from_store(fact, kinds), "cancelled": fact.cancelled}


def do_count_order(*, fact: orders.OrderFact, kinds: dict[str, str] | None = None) -> bool:
    """Add a placed order to the rollups once (False when it is already counted). An order already
    cancelled when its placement is counted (a retried handler, a rebuild) adds nothing."""
    kinds = location_kinds() if kinds is None else kinds
    counted, created = CountedOrder.objects.get_or_create(order_id=fact.order_id, defaults=_defaults(fact, kinds))
    if created and not counted.cancelled:
        _add(at=counted.placed_at, channel=counted.channel, location=counted.location,
             deltas=_order_deltas(counted, +1))
    return created


def do_count_orders(*, order_ids: Iterable[str], kinds: dict[str, str] | None = None,
                    today: dt.date | None = None) -> int:
    """do_count_order, then order_rollups.do_sync_order, for a batch of placed orders at once (the
    worker's OrderPlaced batch): the orders counted already locked, then every fact read once (after
    that lock), every order's sync planned (order_rollups.plan_counted), the new notes then created
    with their synced values in one statement (no UPDATE of them after: a bulk_update's CASE per row
    and field was the worker's biggest Python cost in the flash sale), an order counted already adding
    nothing (a retried batch), and the placements' and the syncs' deltas summed per cell and row and
    written once. The same cells as one by one, in a few statements a batch. Answers how many orders
    were new."""
    ids = list(dict.fromkeys(order_ids))
    rows = list(CountedOrder.objects.select_for_update().filter(order_id__in=ids).order_by("pk"))
    had = {row.order_id for row in rows}
    facts = {fact.order_id: fact for fact in orders.order_facts(order_ids=ids)}
    rows = [row for row in rows if row.order_id in facts]  # an order without facts is left alone, as before
    new = {order_id: fact for order_id, fact in facts.items() if order_id not in had}
    kinds = location_kinds() if new and kinds is None else kinds or {}
    today = today or order_rollups.business_today()
    notes = [CountedOrder(order_id=order_id, **_defaults(fact, kinds)) for order_id, fact in new.items()]
    writes = order_rollups.Writes()
    order_rollups.plan_counted([*rows, *notes], facts, today=today, writes=writes)
    if not _insert_notes(notes):
        return _count_after_a_clash(rows, new, facts, kinds=kinds, today=today)
    for note in notes:
        if not note.cancelled:
            _collect(writes.cells, note, +1)
    order_rollups.save_counted(rows, writes)  # the notes already there only: the new ones are final
    return len(notes)


def _insert_notes(notes: list[CountedOrder]) -> bool:
    """The new notes in one statement, in a savepoint: False (nothing inserted) when another handler
    created one meanwhile (a cancellation's, the same event handled twice)."""
    if not notes:
        return True
    try:
        with transaction.atomic():
            CountedOrder.objects.bulk_create(notes)
    except IntegrityError:
        return False
    return True


def _count_after_a_clash(rows: list[CountedOrder], new: dict[str, orders.OrderFact],
                         facts: dict[str, orders.OrderFact], *, kinds: dict[str, str], today: dt.date) -> int:
    """do_count_orders when its INSERT met a note created meanwhile (rare): the plan is dropped, the
    notes there read again (the plan changed them in memory only), the new ones created one by one,
    then all synced as saved notes."""
    rows = list(CountedOrder.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk"))  # locked already
    notes, created = _create_notes(new, kinds)
    writes = order_rollups.Writes()
    for note in notes:
        if note.order_id in created and not note.cancelled:
            _collect(writes.cells, note, +1)
    order_rollups.sync_counted([*rows, *notes], facts, today=today, writes=writes)
    return len(created)


def _create_notes(new: dict[str, orders.OrderFact], kinds: dict[str, str]) -> tuple[list[CountedOrder], set[str]]:
    """The new orders' notes one by one, as do_count_order does, those found there (created by
    another handler meanwhile) locked: (the notes, the ids created here); a note found adds nothing."""
    notes, created = [], set()
    for order_id, fact in new.items():
        note, made = CountedOrder.objects.select_for_update().get_or_create(order_id=order_id,
                                                                            defaults=_defaults(fact, kinds))
        notes.append(note)
        if made:
            created.add(order_id)
    return notes, created


def _collect(into: cells.Sums, counted: CountedOrder, sign: int) -> None:
    cells.collect(into, at=counted.placed_at, channel=counted.channel, location=counted.location,
                  deltas=_order_deltas(counted, sign))


def do_count_cancellation(*, fact: orders.OrderFact) -> None:
    """Take a cancelled order out of its placement's hour and day (what it added there, whatever
    changed since), and count the cancellation when it happened, once."""
    counted, created = CountedOrder.objects.get_or_create(
        order_id=fact.order_id, defaults={**_defaults(fact, location_kinds()), "cancelled": True})
    if counted.cancellation_counted:
        return
    if not created and not counted.cancelled:
        _add(at=counted.placed_at, channel=counted.channel, location=counted.location,
             deltas=_order_deltas(counted, -1))
    CountedOrder.objects.filter(pk=counted.pk).update(cancelled=True, cancellation_counted=True)
    _add(at=fact.cancelled_at or fact.placed_at, channel=counted.channel, location=counted.location,
         deltas={kpis.CANCELLATIONS: Decimal(1), kpis.CANCELLED_REVENUE: counted.total,
                 kpis.CAUSE + kpis.cancel_cause(fact.cancel_cause): Decimal(1)})


def do_count_return(*, fact: orders.ReturnFact) -> bool:
    """Add a received return to the hour and day it was received, at that location, on the sale's channel."""
    if fact.received_at is None:
        return False
    _, created = CountedReturn.objects.get_or_create(return_id=fact.return_id)
    if created:
        cross = kpis.return_channel(fact.by_mail) != kpis.sale_channel(fact.order_channel)
        _add(at=fact.received_at, channel=fact.order_channel, location=fact.location,
             deltas={kpis.RETURNS: Decimal(1), kpis.REFUNDED: fact.refunded,
                     kpis.CROSS_CHANNEL_RETURNS: Decimal(cross)})
    return created


def do_rebuild_rollups() -> int:
    """Forget the rollups and count every order, cancellation and received return again (the same
    steps the handlers take, order_rollups' too). Answers how many orders were counted."""
    RollupCell.objects.all().delete()
    CountedOrder.objects.all().delete()
    CountedReturn.objects.all().delete()
    kinds = location_kinds()
    facts = orders.order_facts()
    for fact in facts:
        do_count_order(fact=fact, kinds=kinds)
        if fact.cancelled:
            do_count_cancellation(fact=fact)
    for ret in orders.return_facts():
        do_count_return(fact=ret)
    order_rollups.do_rebuild_order_rollups(facts)
    return len(facts)

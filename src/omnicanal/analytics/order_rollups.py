"""The order-side KPIs that are not plain sums at placement (returns rates, loyalty redemption, cycle
times, on-time rate, cross-channel orders, repeat customers), kept as rollups so a period of whole
hours never reads the order facts (issue 19; docs/analytics.md, "Rollups").

One rule for all of them: `order_metrics` says what a live (not cancelled) order adds, now, to its
placement's hour and day cells; `CountedOrder.added` notes what it added so far, and a sync adds the
difference. The handlers sync an order on each of its events (placed, paid, cancelled, a fulfilment
moved, a return received), the periodic task `count_overdue_promises` when a promise passes undone,
and the rebuild syncs every order. raw_totals counts the same metrics from the facts with the same
function, so tests/test_rollups_agree.py compares them cell by cell."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from omnicanal.analytics import cells, customer_months, day_packs, histogram, kpis
from omnicanal.analytics.models import CountedOrder, CustomerDayPack, CustomerHour, CustomerMonth
from omnicanal.conversations import queries as conversations
from omnicanal.core import clock, hours
from omnicanal.orders import queries as orders

# The metrics (RollupCell.metric) on the placement's cells, at the order's channel and location.
UNITS, RETURNED_ORDERS = "units", "returned_orders"
UNITS_RETURNED = "units_returned:"  # + the return line's reason
REDEEMING_ORDERS, REDEEMED = "redeeming_orders", "redeemed"  # loyalty's means of payment, captured
CROSS_CHANNEL_ORDERS, KNOWN_CUSTOMER_ORDERS = "cross_channel_orders", "known_customer_orders"
# cycle:<span>:<where>:<bucket> (a fulfilment's handover location, else its leaving one: cycle times
# are per that location, and the filters keep the order's location and the fulfilment's alike).
CYCLE = "cycle:"
ON_TIME_DUE, ON_TIME_KEPT = "on_time_due:", "on_time_kept:"  # + where
SPANS = ("placed_to_ready", "ready_to_picked_up", "placed_to_delivered")

LOOKBACK = dt.timedelta(days=30)  # how long before an order a touch on another channel counts
REDEEMING = ("points", "stored_value", "gift_card")  # loyalty's means of payment
CAPTURED = "captured"
CANCELLED = "cancelled"
# What keeps a fulfilment's promise: the goods at the door (a shipment), else ready to collect at the
# store, curb or locker (the date the shop's "get it by" names for those methods).
DELIVERED_METHODS = ("ship", "drop_ship")

# Cycle-time histograms: bucket 0 is [0, 1) minute, bucket b ≥ 1 is [RATIO^(b-1), RATIO^b) minutes,
# so a value is known to within 5 % (like HdrHistogram's fixed relative precision): a year is ~270
# buckets, and a day's cell holds only the buckets its fulfilments fell in.
RATIO = 1.05


def minutes(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 60


def cycle_bucket(value: float) -> int:
    if value < 1:
        return 0
    return math.floor(math.log(value) / math.log(RATIO)) + 1


def bucket_range(bucket: int) -> tuple[float, float]:
    return (0.0, 1.0) if bucket == 0 else (RATIO ** (bucket - 1), RATIO ** bucket)


def histogram_percentile(counts: dict[int, int], q: float) -> float | None:
    """The q-th quantile read off a cycle-time histogram {bucket: count} (histogram.percentile with
    these buckets): within the bucket's width (5 %, or a minute under one minute) of the exact one."""
    return histogram.percentile(counts, q, bucket_range)


def business_today(now: dt.datetime | None = None) -> dt.date:
    return (now or clock.now()).astimezone(hours.zone(settings.OMNICANAL["TIME_ZONE"])).date()


def kept_promise_at(f: orders.FulfillmentFact) -> dt.datetime | None:
    return f.delivered_at if f.method in DELIVERED_METHODS else f.ready_at


def promise_state(f: orders.FulfillmentFact, today: dt.date) -> tuple[bool, bool, dt.date | None]:
    """(due, kept, pending promise date): due once done or undone past its promised business date;
    kept when done on or before it. Cancelled fulfilments and those without a promise: none."""
    if f.promised_at is None or f.status == CANCELLED:
        return False, False, None
    tz = hours.zone(settings.OMNICANAL["TIME_ZONE"])
    promised, done = f.promised_at.astimezone(tz).date(), kept_promise_at(f)
    if done is not None:
        return True, done.astimezone(tz).date() <= promised, None
    return (True, False, None) if today > promised else (False, False, promised)


def where(f: orders.FulfillmentFact) -> str:
    return f.handover_location or f.location


def spans(fact: orders.OrderFact, f: orders.FulfillmentFact) -> tuple[tuple[str, float | None], ...]:
    return (("placed_to_ready", minutes(f.ready_at, fact.placed_at)),
            ("ready_to_picked_up", minutes(f.picked_up_at, f.ready_at)),
            ("placed_to_delivered", minutes(f.delivered_at, fact.placed_at)))


def order_metrics(fact: orders.OrderFact, returns: Iterable[orders.ReturnFact], *, today: dt.date,
                  cross: bool) -> dict[str, Decimal]:
    """What a live order adds to its placement's cells now (its received returns, captured loyalty
    payments, fulfilments' cycle times and promises, whether its customer came from another channel)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    out[UNITS] += fact.units
    if fact.customer_id:
        out[KNOWN_CUSTOMER_ORDERS] += 1
        out[CROSS_CHANNEL_ORDERS] += cross
    received = [ret for ret in returns if ret.received_at is not None]
    out[RETURNED_ORDERS] += bool(received)
    for ret in received:
        for line in ret.lines:
            out[UNITS_RETURNED + (orders.return_reason_code(line.reason) or kpis.UNSPECIFIED)] += line.quantity
    paid = [p.amount for p in fact.payments if p.method in REDEEMING and p.status == CAPTURED]
    if paid:
        out[REDEEMING_ORDERS] += 1
        out[REDEEMED] += sum(paid, Decimal(0))
    for f in fact.fulfillments:
        for span, value in spans(fact, f):
            if value is not None:
                out[f"{CYCLE}{span}:{where(f)}:{cycle_bucket(value)}"] += 1
        due, kept, _ = promise_state(f, today)
        if due:
            out[ON_TIME_DUE + where(f)] += 1
            out[ON_TIME_KEPT + where(f)] += kept
    return {metric: Decimal(value) for metric, value in out.items() if value}


def pending_promise(fact: orders.OrderFact, today: dt.date) -> dt.date | None:
    """The earliest promised date of a fulfilment not yet due (the day after it, the order is re-synced)."""
    return min((p for f in fact.fulfillments if (p := promise_state(f, today)[2]) is not None), default=None)


def cross_channel_ids(facts: list[orders.OrderFact], *, until: dt.datetime | None = None) -> list[str]:
    """Ids of the orders whose customer wrote to us or started a cart on another channel in the
    LOOKBACK before placing it (touches before `until` only, when given)."""
    customers = sorted({f.customer_id for f in facts if f.customer_id})
    if not customers:
        return []
    touches: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for touch in conversations.message_touches(customer_ids=customers, until=until):
        touches[touch.customer_id].append((touch.at, touch.channel))
    for cart in orders.cart_touches(customer_ids=customers, until=until):
        touches[cart.customer_id].append((cart.at, cart.channel))
    return [fact.order_id for fact in facts if fact.customer_id and any(
        fact.placed_at - LOOKBACK <= at < fact.placed_at and channel != fact.channel
        for at, channel in touches[fact.customer_id])]


# --- the writers ---------------------------------------------------------------------------------

HourKey = tuple[str, dt.datetime, str, str]  # a CustomerHour row: customer, hour, channel, location
NOTED = ["added", "cross_channel", "next_due", "counted_customer", "counted_spend"]  # CountedOrder's sync fields


@dataclass
class Writes:
    """What a batch of syncs (and its caller's counting) adds, summed per row: the cells' deltas and
    the customers' hours (orders, spend). `_write` adds each row's sum once."""

    cells: cells.Sums = field(default_factory=cells.sums)
    hours: dict[HourKey, list] = field(default_factory=lambda: defaultdict(lambda: [0, Decimal(0)]))

    def customer(self, counted: CountedOrder, customer_id: str, orders_delta: int, spend: Decimal) -> None:
        """The customer's hour row of the order's placement, channel and location."""
        key = (customer_id, cells.buckets(counted.placed_at)[0][1], counted.channel, counted.location)
        self.hours[key][0] += orders_delta
        self.hours[key][1] += spend


def _write(writes: Writes) -> None:
    """The cells, then each (customer, month) whose hours change locked, in order, before the hours
    change (concurrent handlers recount in turn, each seeing the other's hours), the hours added,
    the month rows recounted from them (customer_months), the closed days' packs marked dirty
    (day_packs). A row whose deltas sum to nothing is left alone."""
    cells.apply(writes.cells)
    hours = {key: (n, spend) for key, (n, spend) in writes.hours.items() if n or spend}
    if not hours:
        return
    pairs = sorted({(customer_id, customer_months.month_of(bucket)) for customer_id, bucket, _, _ in hours})
    locked = customer_months.lock_many(pairs)
    cells.upsert_add(CustomerHour, ("customer_id", "bucket", "channel", "location"), ("orders", "spend"),
                     [(*key, *hours[key]) for key in sorted(hours)])
    customer_months.recount_many(locked, pairs)
    day_packs.mark_dirty(*(bucket for _, bucket, _, _ in hours))


def _live(counted: CountedOrder, fact: orders.OrderFact | None) -> orders.OrderFact | None:
    return fact if fact is not None and not counted.cancelled and not fact.cancelled else None


def _plan(counted: CountedOrder, fact: orders.OrderFact | None, returns: Iterable[orders.ReturnFact], *,
          today: dt.date, cross: bool, writes: Writes) -> None:
    """Bring what the order added (cells, its customer's hour) to what its facts say now: the
    differences go to `writes`, the new note to `counted` (saved by the caller)."""
    live = _live(counted, fact)
    if live is not None and counted.cross_channel is None:  # decided once, with the touches known at placement
        counted.cross_channel = cross
    want = order_metrics(live, returns, today=today, cross=bool(counted.cross_channel)) if live else {}
    had = {metric: Decimal(value) for metric, value in counted.added.items()}
    deltas = {metric: want.get(metric, Decimal(0)) - had.get(metric, Decimal(0)) for metric in sorted({*want, *had})}
    cells.collect(writes.cells, at=counted.placed_at, channel=counted.channel, location=counted.location,
                  deltas=deltas)
    customer = live.customer_id if live is not None else ""
    spend = live.total if live is not None and customer else Decimal(0)
    if (customer, spend) != (counted.counted_customer, counted.counted_spend):
        if counted.counted_customer:
            writes.customer(counted, counted.counted_customer, -1, -counted.counted_spend)
        if customer:
            writes.customer(counted, customer, 1, spend)
    counted.added = {metric: str(value) for metric, value in want.items()}
    counted.next_due = pending_promise(live, today) if live is not None else None
    counted.counted_customer, counted.counted_spend = customer, spend


def sync_counted(rows: list[CountedOrder], facts: dict[str, orders.OrderFact], *, today: dt.date,
                 cross: set[str] | None = None, writes: Writes | None = None) -> None:
    """Sync these counted orders (locked by the caller, who read their facts after the lock) together:
    planned at once (plan_counted), every delta summed with the caller's `writes` and written once,
    the notes saved in one statement. `cross`: the ids decided cross-channel (the rebuild's, from the
    touches known now)."""
    writes = writes or Writes()
    plan_counted(rows, facts, today=today, cross=cross, writes=writes)
    save_counted(rows, writes)


def plan_counted(rows: list[CountedOrder], facts: dict[str, orders.OrderFact], *, today: dt.date,
                 cross: set[str] | None = None, writes: Writes) -> None:
    """sync_counted's reads and plans, nothing written: their returns read once, cross-channel decided
    once for those still undecided (each from the touches before its own placement: `until` the
    latest), the deltas added to `writes`, each row's new note set on it. A row may be a note not
    saved yet (services.do_count_orders inserts the new ones with their final values: no UPDATE)."""
    returns: dict[str, list[orders.ReturnFact]] = defaultdict(list)
    known = [row.order_id for row in rows if row.order_id in facts]
    for ret in orders.return_facts(order_ids=known) if known else ():
        returns[ret.order_id].append(ret)
    if cross is None:
        undecided = [live for row in rows if row.cross_channel is None
                     and (live := _live(row, facts.get(row.order_id))) is not None]
        cross = set(cross_channel_ids(undecided, until=max((f.placed_at for f in undecided), default=None)))
    for row in rows:
        _plan(row, facts.get(row.order_id), returns[row.order_id], today=today, cross=row.order_id in cross,
              writes=writes)


def save_counted(rows: list[CountedOrder], writes: Writes) -> None:
    """Write the summed deltas once, then save the planned notes of these rows (saved before) in one
    statement."""
    _write(writes)
    if rows:
        CountedOrder.objects.bulk_update(rows, NOTED)


def do_sync_orders(*, order_ids: Iterable[str], today: dt.date | None = None, cross: set[str] | None = None) -> int:
    """Re-count counted orders' returns, redemption, cycle times and promises from their facts now, in
    one batch (an order whose placement is not counted yet is left: counting it will sync it).
    Answers how many were synced."""
    ids = list(dict.fromkeys(order_ids))
    rows = list(CountedOrder.objects.select_for_update().filter(order_id__in=ids).order_by("pk"))
    if not rows:
        return 0
    # read after the lock: two events of one order sync in turn
    facts = {fact.order_id: fact for fact in orders.order_facts(order_ids=[row.order_id for row in rows])}
    sync_counted(rows, facts, today=today or business_today(), cross=cross)
    return len(rows)


def do_sync_order(*, order_id: str, today: dt.date | None = None) -> bool:
    """do_sync_orders for one order (False when its placement is not counted yet)."""
    return bool(do_sync_orders(order_ids=[order_id], today=today))


BATCH = 500


def do_count_overdue_promises(*, today: dt.date | None = None) -> int:
    """Count as due (not kept) the fulfilments whose promised day has passed undone: the orders whose
    pending promise is before today are re-synced, a batch per transaction. Answers how many."""
    today = today or business_today()
    synced = 0
    while True:
        with transaction.atomic():
            ids = list(CountedOrder.objects.filter(next_due__lt=today).order_by("pk")
                       .values_list("order_id", flat=True)[:BATCH])
            if not ids:
                return synced
            do_sync_orders(order_ids=ids, today=today)
            synced += len(ids)


def do_rebuild_order_rollups(facts: list[orders.OrderFact]) -> None:
    """After services.do_rebuild_rollups counted the orders again: sync every one (the customers'
    hours, months and day packs start empty; cross-channel flags from the touches known now), then
    build the closed days' packs."""
    CustomerHour.objects.all().delete()
    CustomerMonth.objects.all().delete()
    CustomerDayPack.objects.all().delete()
    today = business_today()
    cross = set(cross_channel_ids([fact for fact in facts if not fact.cancelled]))
    ids = [fact.order_id for fact in facts]
    for start in range(0, len(ids), BATCH):
        do_sync_orders(order_ids=ids[start:start + BATCH], today=today, cross=cross)
    day_packs.do_build_day_packs()

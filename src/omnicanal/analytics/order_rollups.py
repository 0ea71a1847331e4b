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
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

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

def _add_customer(counted: CountedOrder, customer_id: str, orders_delta: int, spend: Decimal) -> None:
    """Add to the customer's hour row, then recount its month row (customer_months) from its hours;
    a closed day's pack is dirty from now on (day_packs)."""
    bucket = cells.buckets(counted.placed_at)[0][1]
    month = customer_months.month_of(bucket)
    customer_months.lock(customer_id, month)  # before the hour: concurrent handlers recount in turn
    key = {"customer_id": customer_id, "bucket": bucket, "channel": counted.channel, "location": counted.location}
    if not CustomerHour.objects.filter(**key).update(orders=F("orders") + orders_delta, spend=F("spend") + spend):
        try:
            with transaction.atomic():  # a concurrent handler may create the row first
                CustomerHour.objects.create(**key, orders=orders_delta, spend=spend)
        except IntegrityError:
            CustomerHour.objects.filter(**key).update(orders=F("orders") + orders_delta, spend=F("spend") + spend)
    customer_months.recount(customer_id, month)
    day_packs.mark_dirty(bucket)


def _sync(counted: CountedOrder, fact: orders.OrderFact | None, returns: Iterable[orders.ReturnFact], *,
          today: dt.date, cross: bool | None = None) -> None:
    """Bring what the order added (cells, its customer's hour) to what its facts say now."""
    live = fact if fact is not None and not counted.cancelled and not fact.cancelled else None
    if live is not None and counted.cross_channel is None:  # decided once, with the touches known at placement
        counted.cross_channel = bool(cross_channel_ids([live], until=live.placed_at)) if cross is None else cross
    want = order_metrics(live, returns, today=today, cross=bool(counted.cross_channel)) if live else {}
    had = {metric: Decimal(value) for metric, value in counted.added.items()}
    deltas = {metric: want.get(metric, Decimal(0)) - had.get(metric, Decimal(0)) for metric in sorted({*want, *had})}
    cells.add(at=counted.placed_at, channel=counted.channel, location=counted.location, deltas=deltas)
    customer = live.customer_id if live is not None else ""
    spend = live.total if live is not None and customer else Decimal(0)
    if (customer, spend) != (counted.counted_customer, counted.counted_spend):
        if counted.counted_customer:
            _add_customer(counted, counted.counted_customer, -1, -counted.counted_spend)
        if customer:
            _add_customer(counted, customer, 1, spend)
    counted.added = {metric: str(value) for metric, value in want.items()}
    counted.next_due = pending_promise(live, today) if live is not None else None
    counted.counted_customer, counted.counted_spend = customer, spend
    counted.save(update_fields=["added", "cross_channel", "next_due", "counted_customer", "counted_spend"])


def do_sync_order(*, order_id: str, today: dt.date | None = None) -> bool:
    """Re-count a counted order's returns, redemption, cycle times and promises from its facts now
    (False when its placement is not counted yet: counting it will sync it)."""
    counted = CountedOrder.objects.select_for_update().filter(order_id=order_id).first()
    if counted is None:
        return False
    fact = orders.order_fact(order_id)  # read after the lock: two events of one order sync in turn
    returns = orders.return_facts(order_ids=[order_id]) if fact is not None else []
    _sync(counted, fact, returns, today=today or business_today())
    return True


def _sync_batch(order_ids: list[str], *, today: dt.date, cross: set[str] | None = None) -> None:
    counted = list(CountedOrder.objects.select_for_update().filter(order_id__in=order_ids).order_by("pk"))
    facts = {fact.order_id: fact for fact in orders.order_facts(order_ids=order_ids)}
    returns: dict[str, list[orders.ReturnFact]] = defaultdict(list)
    for ret in orders.return_facts(order_ids=order_ids):
        returns[ret.order_id].append(ret)
    for row in counted:
        _sync(row, facts.get(row.order_id), returns[row.order_id], today=today,
              cross=None if cross is None else row.order_id in cross)


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
            _sync_batch(ids, today=today)
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
        _sync_batch(ids[start:start + BATCH], today=today, cross=cross)
    day_packs.do_build_day_packs()

"""The customers' months (CustomerMonth): each customer's CustomerHour rows of one UTC month folded
into one row of integers (orders, spend in hundredths, the channels with an order as a bit mask), so
the distinct-customer KPIs of an unfiltered period of whole UTC months (repeat_rate,
customers_by_channels_used) read a row per customer and month, with no distinct count and no numeric
sum (issue 19; docs/analytics.md, "Distinct customers"). Other periods read CustomerHour.

A month row is never added to: it is recounted from its hour rows whenever one changes (`recount`,
in the same transaction as the hour's change), under the row's lock, so it is always exactly the
fold of its hours. The channel → bit map is analytics' own (ChannelBit): a channel gets the next
free bit on its first counted order and keeps it for good."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, connections, transaction
from django.db.models import Max, Q

from omnicanal.analytics import tiling
from omnicanal.analytics.models import ChannelBit, CustomerHour, CustomerMonth, Grain

BITS = 63  # a signed bigint's bits: the sales channels a shop can have in the month rows
CENTS = Decimal(100)

Pair = tuple[str, dt.datetime]  # (customer_id, month)
CHUNK = 400  # pairs per lock statement (two parameters each: under SQLite's old 999 limit)

# (channels used, customers, spend in hundredths, customers with two orders or more)
Group = tuple[int, int, int, int]


def cents(amount: Decimal) -> int:
    """An amount in hundredths of the currency (amount_field's precision), as the month rows and the
    day packs keep spend (a sum the database answers as a float on SQLite is read through its text)."""
    return int((Decimal(str(amount)) * CENTS).to_integral_value())


class TooManyChannels(Exception):
    """A 64th sales channel: CustomerMonth.channels has no bit left for it."""


def month_of(at: dt.datetime) -> dt.datetime:
    """The start of the UTC month `at` falls in (the month row it counts in)."""
    return tiling.floor(at, Grain.MONTH)


def bit_of(channel: str) -> int:
    """The channel's bit, given now (the next free one) when it has none yet."""
    while True:
        found = ChannelBit.objects.filter(channel=channel).values_list("bit", flat=True).first()
        if found is not None:
            return found
        taken = ChannelBit.objects.aggregate(top=Max("bit"))["top"]
        bit = 0 if taken is None else taken + 1
        if bit >= BITS:
            raise TooManyChannels(channel)
        try:
            with transaction.atomic():  # a concurrent handler may take that bit (or name this channel) first
                return ChannelBit.objects.create(channel=channel, bit=bit).bit
        except IntegrityError:
            continue


def lock(customer_id: str, month: dt.datetime) -> None:
    """Lock the customer's month row (when there is one) before its hours change: two handlers of
    one customer and month recount in turn, each seeing the other's hours."""
    list(CustomerMonth.objects.select_for_update().filter(customer_id=customer_id, month=month).values_list("pk"))


def fold(customer_id: str, month: dt.datetime) -> dict[str, int] | None:
    """The month row its hour rows make now (None: no live order that month)."""
    return fold_many([(customer_id, month)])[(customer_id, month)]


def fold_many(pairs: Iterable[Pair]) -> dict[Pair, dict[str, int] | None]:
    """The month row each (customer, month)'s hour rows make now (None: no live order that month),
    read in one statement (the customers' hours over the months' span, the other months left out)."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    start = min(month for _, month in pairs)
    end = tiling.ceil(max(month for _, month in pairs) + dt.timedelta(days=1), Grain.MONTH)
    rows: dict[Pair, list[tuple[str, int, Decimal]]] = {pair: [] for pair in pairs}
    for customer_id, bucket, channel, orders, spend in CustomerHour.objects.filter(
            customer_id__in=sorted({customer_id for customer_id, _ in pairs}), bucket__gte=start, bucket__lt=end,
            orders__gt=0).values_list("customer_id", "bucket", "channel", "orders", "spend"):
        found = rows.get((customer_id, month_of(bucket)))
        if found is not None:
            found.append((channel, orders, spend))
    bits = bits_of(channel for found in rows.values() for channel, _, _ in found)
    return {pair: _month_row(found, bits) for pair, found in rows.items()}


def _month_row(rows: list[tuple[str, int, Decimal]], bits: dict[str, int]) -> dict[str, int] | None:
    """(channel, orders, spend) hour rows of a customer's month → its month row."""
    if not rows:
        return None
    mask = 0
    for channel in {channel for channel, _, _ in rows}:
        mask |= 1 << bits[channel]
    spend = sum((spend for _, _, spend in rows), Decimal(0))
    return {"orders": sum(orders for _, orders, _ in rows), "spend_cents": cents(spend),
            "channels": mask}


def bits_of(channels: Iterable[str]) -> dict[str, int]:
    """{channel: its bit}: the known ones in one statement, a new channel's given as bit_of does
    (in alphabetical order, as one by one)."""
    wanted = sorted(set(channels))
    found = dict(ChannelBit.objects.filter(channel__in=wanted).values_list("channel", "bit")) if wanted else {}
    for channel in wanted:
        if channel not in found:
            found[channel] = bit_of(channel)
    return found


def recount(customer_id: str, month: dt.datetime) -> None:
    """Bring the customer's month row to its hour rows (the caller took `lock` before changing them)."""
    key = {"customer_id": customer_id, "month": month}
    while True:
        row = fold(customer_id, month)
        if row is None:
            CustomerMonth.objects.filter(**key).delete()
            return
        if CustomerMonth.objects.filter(**key).update(**row):
            return
        try:
            with transaction.atomic():
                CustomerMonth.objects.create(**key, **row)
            return
        except IntegrityError:  # a concurrent handler created it: wait for its commit, then fold again
            lock(customer_id, month)


def lock_many(pairs: Iterable[Pair]) -> dict[Pair, int]:
    """`lock` for many (customer, month) pairs in one statement, in (customer, month) order (every
    writer's order); answers {pair: pk} of the month rows there are."""
    pairs = sorted(set(pairs))
    found: dict[Pair, int] = {}
    for start in range(0, len(pairs), CHUNK):
        match = Q()
        for customer_id, month in pairs[start:start + CHUNK]:
            match |= Q(customer_id=customer_id, month=month)
        found.update(((customer_id, month), pk) for pk, customer_id, month in CustomerMonth.objects.select_for_update()
                     .filter(match).order_by("customer_id", "month").values_list("pk", "customer_id", "month"))
    return found


def recount_many(locked: dict[Pair, int], pairs: Iterable[Pair]) -> None:
    """`recount` for many pairs whose hours changed, the month rows there were locked by `lock_many`
    (`locked`) before: one read of the hours, then the rows updated, deleted and created a statement
    each. A row a concurrent handler created meanwhile makes the creation fail: those pairs are
    recounted one by one, which waits for that handler's commit."""
    folded = fold_many(pairs)
    update = [CustomerMonth(pk=locked[pair], customer_id=pair[0], month=pair[1], **row)
              for pair, row in folded.items() if row is not None and pair in locked]
    if update:
        CustomerMonth.objects.bulk_update(update, ["orders", "spend_cents", "channels"])
    gone = [locked[pair] for pair, row in folded.items() if row is None and pair in locked]
    if gone:
        CustomerMonth.objects.filter(pk__in=gone).delete()
    create = [CustomerMonth(customer_id=pair[0], month=pair[1], **row)
              for pair, row in folded.items() if row is not None and pair not in locked]
    if not create:
        return
    try:
        with transaction.atomic():
            CustomerMonth.objects.bulk_create(create)
    except IntegrityError:
        for row in create:
            recount(row.customer_id, row.month)


def _popcount(vendor: str, bits: list[int]) -> str:
    """SQL: how many bits the group's masks (r.channels) set between them."""
    if vendor == "postgresql":
        return "bit_count(CAST(bit_or(r.channels) AS bit(64)))"
    return " + ".join(f"MAX((r.channels >> {int(bit)}) & 1)" for bit in bits) or "0"


def whole_months(start: dt.datetime, end: dt.datetime) -> bool:
    """[start, end) is whole UTC months (the month rows alone answer it)."""
    return tiling.whole(start, Grain.MONTH) and tiling.whole(end, Grain.MONTH)


def customers_table(start: dt.datetime, end: dt.datetime) -> list[Group]:
    """Per number of channels used, over the customers with an order in [start, end) (whole UTC
    months, every channel and location): customers, their spend, those with two orders or more. One
    statement over the period's month rows: one row per customer, then per number of channels."""
    if not whole_months(start, end):
        raise ValueError(f"not whole UTC months: {start} to {end}")
    alias = CustomerMonth.objects.all().db  # the replica inside replica.reads()
    connection = connections[alias]
    bits = [] if connection.vendor == "postgresql" else list(ChannelBit.objects.using(alias).values_list("bit", flat=True))
    params = [connection.ops.adapt_datetimefield_value(at) for at in (start, end)]  # as the ORM writes them
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.used, COUNT(*), SUM(c.spent), SUM(CASE WHEN c.placed >= 2 THEN 1 ELSE 0 END) FROM ("  # noqa: S608
            f"SELECT r.customer_id, {_popcount(connection.vendor, bits)} AS used, SUM(r.orders) AS placed, "
            f"SUM(r.spend_cents) AS spent FROM {CustomerMonth._meta.db_table} r WHERE r.month >= %s AND r.month < %s "
            "GROUP BY r.customer_id) c GROUP BY c.used ORDER BY c.used", params)
        return [(int(used), int(n), int(spent), int(repeat)) for used, n, spent, repeat in cursor.fetchall()]


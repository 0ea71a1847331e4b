"""Analytics' own tables: additive rollups per UTC hour, day and month × channel × location, and the note of
which orders and returns they already count (so a cancellation takes back exactly what its order
added, whatever happened to the order since). No business rules here (services.py writes)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


GRAINS = ["hour", "day", "month"]  # finest first


def amount_field(**kw):
    return models.DecimalField(max_digits=18, decimal_places=2, **kw)


class RollupCell(models.Model):
    """One additive metric (kpis.METRICS) in one UTC hour, day or month, for one channel and location."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    bucket = models.DateTimeField()  # the UTC hour, day or month it starts
    channel = models.CharField(max_length=30)
    location = models.CharField(max_length=32, blank=True, default="")
    metric = models.CharField(max_length=210)  # kpis: a name, or a prefix and a code (cause: + up to 200)
    value = amount_field(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grain", "bucket", "channel", "location", "metric"], name="one_rollup_cell"),
            models.CheckConstraint(condition=Q(grain__in=GRAINS), name="rollup_grain_known"),
        ]
        # by metric: a KPI's cells; by bucket: the dashboard's scan of a period (every metric at once)
        indexes = [models.Index(fields=["grain", "metric", "bucket"], name="rollup_by_metric"),
                   models.Index(fields=["grain", "bucket"], name="rollup_by_bucket")]


class CountedOrder(models.Model):
    """What an order added to the rollups when it was placed (taken back when it is cancelled)."""

    order_id = models.CharField(max_length=32, unique=True)
    placed_at = models.DateTimeField()
    channel = models.CharField(max_length=30)
    location = models.CharField(max_length=32, blank=True, default="")
    delivery_method = models.CharField(max_length=20)
    ship_to_store = models.BooleanField(default=False)
    ship_from_store = models.BooleanField(default=False)
    total = amount_field()
    cancelled = models.BooleanField(default=False)  # out of the orders and revenue again
    cancellation_counted = models.BooleanField(default=False)  # in the cancellations once
    # What order_rollups added on the placement's cells for the metrics that follow the order's life
    # (returns, redemption, cycle histograms, on-time): {metric: value as a string}; a sync adds the
    # difference to what the order's facts say now.
    added = models.JSONField(default=dict)
    # Decided once, when the order is counted: its customer touched another channel in the 30 days before.
    cross_channel = models.BooleanField(null=True, default=None)
    # The earliest promised business date of a fulfilment still undone and not yet counted due:
    # the periodic task re-syncs the order once that day has passed.
    next_due = models.DateField(null=True, default=None, db_index=True)
    # The CustomerHour row this order is in ("" when none: no customer, or cancelled) and its spend there.
    counted_customer = models.CharField(max_length=32, blank=True, default="")
    counted_spend = amount_field(default=0)


class CustomerHour(models.Model):
    """A customer's orders (not cancelled) and spend placed in one UTC hour, on one channel, at one
    location: repeat_rate and customers_by_channels_used are one GROUP BY customer over a period."""

    customer_id = models.CharField(max_length=32)
    bucket = models.DateTimeField()  # the UTC hour the orders were placed in
    channel = models.CharField(max_length=30)
    location = models.CharField(max_length=32, blank=True, default="")
    orders = models.IntegerField(default=0)
    spend = amount_field(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer_id", "bucket", "channel", "location"],
                                               name="one_customer_hour")]
        indexes = [models.Index(fields=["bucket"], name="customer_hour_by_bucket")]


class CustomerMonth(models.Model):
    """A customer's CustomerHour rows of one UTC month folded into one row (orders, spend, the channels
    with an order as a bit mask: ChannelBit), recounted from them whenever one changes: the whole
    months of an unfiltered period read a row per customer and month, summed as integers, rather
    than an hour row per order with a distinct count (order_kpis.customers_kpis; issue 19)."""

    customer_id = models.CharField(max_length=32)
    month = models.DateTimeField()  # the UTC month it starts
    orders = models.IntegerField(default=0)
    spend_cents = models.BigIntegerField(default=0)  # hundredths of the currency (amount_field's precision)
    channels = models.BigIntegerField(default=0)  # 1 << ChannelBit.bit for each channel with an order

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer_id", "month"], name="one_customer_month")]
        # covering: a period's GROUP BY customer is an index-only scan in customer order
        indexes = [models.Index(fields=["month"], name="customer_month_by_month"),
                   models.Index(fields=["customer_id", "month", "orders", "spend_cents", "channels"],
                                name="customer_month_covering")]


class ChannelBit(models.Model):
    """The bit a sales channel sets in CustomerMonth.channels: given on the channel's first counted
    order (the next free one), never changed or reused, so every month row keeps its meaning."""

    channel = models.CharField(max_length=30, unique=True)
    bit = models.PositiveSmallIntegerField(unique=True)  # 0..62 (a signed bigint's bits)


class CountedReturn(models.Model):
    """A received return already in the rollups (a replayed event adds nothing)."""

    return_id = models.CharField(max_length=32, unique=True)


class ConversationCell(models.Model):
    """How many conversations opened in one UTC hour, day or month, on one channel (of the customer's first
    message) at one location, count towards one metric (conversation_kpis: `conversations`,
    `first_response:<bucket>`, `resolution:<bucket>`, `resolved_once`, `reopened`, `bot_answered`,
    `bot_contained`)."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    bucket = models.DateTimeField()  # the UTC hour, day or month the conversations were opened in
    channel = models.CharField(max_length=30)
    location = models.CharField(max_length=32, blank=True, default="")
    metric = models.CharField(max_length=40)
    value = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grain", "bucket", "channel", "location", "metric"],
                                    name="one_conversation_cell"),
            models.CheckConstraint(condition=Q(grain__in=GRAINS), name="conversation_cell_grain_known"),
        ]
        indexes = [models.Index(fields=["grain", "bucket"], name="conversation_cell_by_bucket")]


class CountedConversation(models.Model):
    """What a conversation adds to the conversation cells now (a later event takes back the
    difference): its opening, channel, location and metrics."""

    conversation_id = models.CharField(max_length=32, unique=True)
    opened_at = models.DateTimeField()
    channel = models.CharField(max_length=30, blank=True, default="")
    location = models.CharField(max_length=32, blank=True, default="")
    metrics = models.JSONField(default=list)


class WeeklySummarySent(models.Model):
    """A staff member's weekly summary for the week starting `week` (a Monday, the business's date):
    written in the transaction that queues the email, so a second run that week sends nothing."""

    user_id = models.BigIntegerField()  # core's User (a plain id: analytics keeps no key into core)
    week = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "week"], name="one_weekly_summary")]


class CustomerKey(models.Model):
    """A customer's dense integer key (its id) in the customers' day packs, given on the first
    pack that holds the customer and kept for good (day_packs)."""

    customer_id = models.CharField(max_length=32, unique=True)


class CustomerDayPack(models.Model):
    """One closed UTC day's CustomerHour rows folded per customer, as columns of integers in one blob
    (day_packs: keys, orders, spend in hundredths, ChannelBit masks). `dirty`: a handler changed the
    day's hours since the build (the reader reads that day live; the worker builds it again);
    `version`: drawn at random by each build (a process's memo of decoded packs is keyed by it, so a
    rebuilt pack, even one deleted and built again, is never served from an older build)."""

    day = models.DateTimeField(unique=True)  # the UTC day it starts
    layout = models.PositiveSmallIntegerField(default=0)  # day_packs.LAYOUT when built; 0: never built
    version = models.BigIntegerField(default=0)
    dirty = models.BooleanField(default=True)
    built_at = models.DateTimeField(null=True, default=None)
    blob = models.BinaryField(default=b"")

"""Marketing's tables: the trained recommender (one row per training, the newest is served) and the
replenishment reminders sent (at most one per customer, category and due date)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField


class TrainedRecommender(models.Model):
    """A recommender trained by the periodic task: every process serves the newest row's model."""

    trained_at = models.DateTimeField(db_index=True)
    purchases = models.PositiveIntegerField(default=0)  # bought lines it learned from
    products = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)  # how long the training took
    model = models.JSONField(default=dict)  # recommender.Model.as_json()

    class Meta:
        verbose_name = _("trained recommender")
        ordering = ["-trained_at", "-pk"]


class ReminderStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("reminder", "Sent")


class Reminder(models.Model):
    """A replenishment reminder for one due purchase; the unique key makes the task send it once,
    however often it runs (or how many workers run it)."""

    customer_id = models.CharField(max_length=32, db_index=True)
    category = models.CharField(max_length=80)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ReminderStatus.choices)
    channel = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("replenishment reminder")
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "category", "due_on"], name="one_reminder_per_due_purchase"),
            models.CheckConstraint(condition=Q(status__in=ReminderStatus.values), name="reminder_status_known"),
        ]


class Segment(models.Model):
    """A saved set of rules over the one customer (marketing.segments); `size` is the count when it
    was saved, the live count is asked again whenever it is read."""

    public_id = PublicIdField(prefix="seg")
    name = models.CharField(max_length=120)
    rules = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("segment")
        ordering = ["-created_at", "-pk"]


# --- campaigns -------------------------------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign", "Draft")
    SCHEDULED = "scheduled", pgettext_lazy("campaign", "Scheduled")
    SENDING = "sending", pgettext_lazy("campaign", "Sending")
    DONE = "done", pgettext_lazy("campaign", "Done")
    CANCELLED = "cancelled", pgettext_lazy("campaign", "Cancelled")


class Campaign(models.Model):
    """One message per customer of a segment, on their preferred consented channel (marketing.campaigns)."""

    public_id = PublicIdField(prefix="cmp")
    name = models.CharField(max_length=120)
    segment_id = models.CharField(max_length=40)  # a Segment's public id
    message = models.JSONField(default=dict)  # {es, en}: the plain text every channel falls back to
    templates = models.JSONField(default=dict)  # {channel: {language: {...}}}: docs/marketing.md, Campaigns
    channels = models.JSONField(default=list)  # the channels it may use, in the marketer's order
    control_percent = models.PositiveSmallIntegerField(default=0)
    promote_skus = models.JSONField(default=list)  # what it promotes (purchase cycles, availability)
    shop_channel = models.CharField(max_length=20, default="web")  # where its links lead and sell
    link = models.CharField(max_length=300, blank=True, default="")  # the main link (a path of the shop)
    recommendations = models.PositiveSmallIntegerField(default=0)  # recommended products per message
    coupon = models.JSONField(default=dict)  # {kind, value, days}: a unique code per message; {}: none
    attribution_days = models.PositiveSmallIntegerField(default=7)
    status = models.CharField(max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("campaign")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_known"),
            models.CheckConstraint(condition=Q(control_percent__lte=50), name="campaign_control_at_most_half"),
        ]


class RecipientStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("recipient", "Pending")
    HELD = "held", pgettext_lazy("recipient", "Held (quiet hours)")
    SENT = "sent", pgettext_lazy("recipient", "Sent")
    HELD_OUT = "held_out", pgettext_lazy("recipient", "Control group")
    SUPPRESSED = "suppressed", pgettext_lazy("recipient", "Suppressed")


class Recipient(models.Model):
    """One customer of one campaign: the unique key is what makes two launches (or two workers)
    send each customer at most one message; `status` moves from pending/held once, by a conditional
    UPDATE (services claim it before sending)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer_id = models.CharField(max_length=32)
    control = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=RecipientStatus.choices, default=RecipientStatus.PENDING)
    reason = models.CharField(max_length=20, blank=True, default="")  # why suppressed
    not_before = models.DateTimeField(null=True, blank=True)  # held until the customer's window opens
    channel = models.CharField(max_length=20, blank=True, default="")
    message_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    coupon_code = models.CharField(max_length=40, blank=True, default="", db_index=True)
    window_start = models.DateTimeField(null=True, blank=True)  # sent (or held out) at: attribution starts
    delivered_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    converted_at = models.DateTimeField(null=True, blank=True)
    order_id = models.CharField(max_length=40, blank=True, default="")
    order_channel = models.CharField(max_length=20, blank=True, default="")
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True, default="")

    class Meta:
        verbose_name = _("campaign recipient")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer_id"], name="one_message_per_customer_and_campaign"),
            models.CheckConstraint(condition=Q(status__in=RecipientStatus.values), name="recipient_status_known"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="recipient_campaign_status"),
            models.Index(fields=["customer_id", "window_start"], name="recipient_customer_window"),
        ]


class Touch(models.Model):
    """Every marketing message sent to a customer (a campaign's, a reminder, a flow's): the weekly
    frequency cap counts these, across all of them. Transactional messages never land here."""

    customer_id = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)  # campaign, reminder, flow
    ref = models.CharField(max_length=80, blank=True, default="")
    channel = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketing message sent")
        indexes = [models.Index(fields=["customer_id", "at"], name="touch_customer_at")]


class ContactGate(models.Model):
    """One row per customer contacted by marketing: locked (FOR UPDATE) while a send counts the
    customer's touches against the cap, so two campaigns in two processes cannot both pass it."""

    customer_id = models.CharField(max_length=32, unique=True)


class Bounce(models.Model):
    """An address that failed for good (a hard bounce, a closed number): marketing stops using it."""

    customer_id = models.CharField(max_length=32)
    channel = models.CharField(max_length=20)
    address = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("hard bounce")
        constraints = [models.UniqueConstraint(fields=["customer_id", "channel", "address"], name="one_bounce_per_address")]


# --- flows (automated journeys: marketing.flows) ---------------------------------------------------


class FlowKind(models.TextChoices):
    ABANDONED_CART = "abandoned_cart", _("Abandoned cart")
    BROWSE_ABANDONMENT = "browse_abandonment", _("Browse abandonment")
    BACK_IN_STOCK = "back_in_stock", _("Back in stock at my store")
    REPLENISHMENT = "replenishment", _("Replenishment reminder")
    CROSS_SELL = "cross_sell", _("Post-purchase cross-sell")
    WIN_BACK = "win_back", _("Win-back")
    BIRTHDAY = "birthday", _("Birthday")
    TIER_CHANGE = "tier_change", _("Tier change")


class TierChanges(models.TextChoices):
    """Which tier changes start the tier-change flow."""

    UPGRADE = "upgrade", _("On upgrade")
    ANY = "any", _("On any change")


class Flow(models.Model):
    """One automated journey per kind: off until a marketer enables it; `delay_minutes` after its
    trigger the entry is due. Message and templates have the campaigns' shape (marketing.messaging)."""

    kind = models.CharField(max_length=24, choices=FlowKind.choices, unique=True)
    enabled = models.BooleanField(default=False)
    delay_minutes = models.PositiveIntegerField(default=0)
    message = models.JSONField(default=dict)  # {es, en}; empty: the kind's default text
    templates = models.JSONField(default=dict)  # {channel: {language: {...}}}
    channels = models.JSONField(default=list)  # in the marketer's order
    recommendations = models.PositiveSmallIntegerField(default=0)
    shop_channel = models.CharField(max_length=20, default="web")
    link = models.CharField(max_length=300, blank=True, default="")
    attribution_days = models.PositiveSmallIntegerField(default=7)
    # tier_change only: a downgrade ("you are now Silver") is no news to celebrate unless asked for.
    tier_changes = models.CharField(max_length=12, choices=TierChanges.choices, default=TierChanges.UPGRADE)
    # birthday only: {kind, value, days}, a unique single-use coupon in each message (campaigns' shape); {}: none
    coupon = models.JSONField(default=dict, blank=True)
    updated_by = models.CharField(max_length=100, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flow")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=FlowKind.values), name="flow_kind_known"),
                       models.CheckConstraint(condition=Q(tier_changes__in=TierChanges.values),
                                              name="flow_tier_changes_known")]

    @property
    def name(self) -> str:  # the e-mail subject's fallback (messaging.content_for)
        return str(FlowKind(self.kind).label)


class FlowEntryStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("flow entry", "Waiting")
    SENT = "sent", pgettext_lazy("flow entry", "Sent")
    STOPPED = "stopped", pgettext_lazy("flow entry", "Stopped")
    SUPPRESSED = "suppressed", pgettext_lazy("flow entry", "Suppressed")


class FlowEntry(models.Model):
    """A customer in a flow for one trigger (`key`: the cart, the SKU at a store, the category and due
    date…): the unique key makes a repeated event enrol them once. Leaves `waiting` once, with its
    reason when it was stopped (the customer bought) or suppressed (a governance rule)."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="entries")
    customer_id = models.CharField(max_length=32)
    key = models.CharField(max_length=160)
    status = models.CharField(max_length=12, choices=FlowEntryStatus.choices, default=FlowEntryStatus.WAITING)
    reason = models.CharField(max_length=24, blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)  # None: waits for its trigger (stock back)
    context = models.JSONField(default=dict)  # what the message names: skus, location, category, due_on, tier
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=20, blank=True, default="")
    message_id = models.CharField(max_length=40, blank=True, default="")
    converted_at = models.DateTimeField(null=True, blank=True)
    order_id = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("flow entry")
        constraints = [
            models.UniqueConstraint(fields=["flow", "customer_id", "key"], name="one_flow_entry_per_trigger"),
            models.CheckConstraint(condition=Q(status__in=FlowEntryStatus.values), name="flow_entry_status_known"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="flow_entry_due"),
                   models.Index(fields=["customer_id", "status"], name="flow_entry_customer")]


# --- subscriptions (marketing.subscriptions) -------------------------------------------------------


class SubscriptionState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("subscription", "Active")
    PAUSED = "paused", pgettext_lazy("subscription", "Paused")
    CANCELLED = "cancelled", pgettext_lazy("subscription", "Cancelled")


class Subscription(models.Model):
    """A recurring order intent: these lines every `interval_days`, shipped or picked up at a store,
    paid with the customer's stored value or a card they saved. Each cycle (the date `next_date`) is reserved ahead,
    reminded, then placed through orders' services; the `*_for` dates say which cycle each step
    already did, so the hourly task does each step once per cycle."""

    public_id = PublicIdField(prefix="sub")
    customer_id = models.CharField(max_length=32, db_index=True)
    lines = models.JSONField(default=list)  # [{"sku": …, "quantity": …}]
    interval_days = models.PositiveIntegerField()
    channel = models.CharField(max_length=20, default="web")  # the sales channel its orders are placed on
    delivery_method = models.CharField(max_length=12)  # ship | pickup
    location = models.CharField(max_length=20, blank=True, default="")  # the store, for pickup
    address = models.JSONField(null=True, blank=True)  # for ship
    payment_source = models.CharField(max_length=20, default="stored_value")  # stored_value | card
    card_id = models.CharField(max_length=32, blank=True, default="")  # orders' saved card (crd_…), for card
    state = models.CharField(max_length=12, choices=SubscriptionState.choices, default=SubscriptionState.ACTIVE)
    pause_reason = models.CharField(max_length=30, blank=True, default="")  # customer | payment_failed | staff | card_removed
    next_date = models.DateField()
    reserved_for = models.DateField(null=True, blank=True)
    reminded_for = models.DateField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)  # failed attempts of the current cycle
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    last_order_id = models.CharField(max_length=32, blank=True, default="")
    # the current cycle's order, placed and committed, while its card charge is not settled (paid or cancelled)
    charging_order_id = models.CharField(max_length=32, blank=True, default="")
    # the cycle (its date) that order is for: paid, the next one is an interval after it, whatever
    # a skip or a change did to next_date meanwhile (they are kept, never applied twice)
    charging_for = models.DateField(null=True, blank=True)
    orders_placed = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("subscription")
        ordering = ["next_date", "pk"]
        indexes = [models.Index(fields=["state", "next_date"], name="subscription_due")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=SubscriptionState.values), name="subscription_state_known"),
            models.CheckConstraint(condition=Q(delivery_method__in=["ship", "pickup"]),
                                   name="subscription_delivery_known"),
        ]

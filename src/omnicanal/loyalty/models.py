"""Tables of the loyalty domain: the ledger (accounts, transfers, entries, lots), the program
(rules, tiers, spend), stored value (gift cards) and coupons. Constraints only; rules live in services.

Sign convention of the ledger: every entry has a signed amount; a debit is negative, a credit is
positive, and the entries of one transfer add up to zero (one unit per transfer). A customer's
balance is the sum of its entries and may never go below zero (nor below what it holds for pending
transfers): the CHECK constraints below refuse it even if a service forgot.
"""

from typing import TypedDict

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField

POINTS = "PTS"
COINS = "COIN"



class _Digits(TypedDict):
    max_digits: int
    decimal_places: int


AMOUNT: _Digits = {"max_digits": 18, "decimal_places": 2}


class OwnerKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    GIFT_CARD = "gift_card", _("Gift card")
    SYSTEM = "system", _("System")


class AccountKind(models.TextChoices):
    POINTS = "points", _("Points")
    COINS = "coins", _("Coins")
    STORE_CREDIT = "store_credit", _("Store credit")
    WALLET = "wallet", _("Wallet")
    GIFT_CARD = "gift_card", _("Gift card")
    # System accounts: the other side of every movement.
    ISSUANCE = "issuance", _("Issuance")
    REDEMPTION = "redemption", _("Redemption")
    EXPIRY = "expiry", _("Expiry")
    LIABILITY = "liability", _("Liability")
    ADJUSTMENT = "adjustment", _("Adjustment")


SYSTEM_KINDS = ("issuance", "redemption", "expiry", "liability", "adjustment")


class Account(models.Model):
    """One balance of one owner in one unit. System accounts carry no cached balance (NULL): they
    are touched by nearly every transfer, and a cached row there would serialize the whole ledger;
    their balance is the sum of their entries."""

    public_id = PublicIdField(prefix="acc")
    owner_kind = models.CharField(max_length=12, choices=OwnerKind.choices)
    owner_id = models.CharField(max_length=40)  # "cus_…", "gft_…" or the system account's name
    kind = models.CharField(max_length=14, choices=AccountKind.choices)
    unit = models.CharField(max_length=8)  # "PTS", "COIN" or an ISO 4217 currency
    balance = models.DecimalField(**AMOUNT, null=True, blank=True)
    pending = models.DecimalField(**AMOUNT, default=0)  # held by open pending transfers
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        constraints = [
            models.UniqueConstraint(fields=["owner_kind", "owner_id", "kind", "unit"], name="loyalty_one_account_per_owner_kind_unit"),
            models.CheckConstraint(
                condition=(
                    Q(owner_kind="system", balance__isnull=True, pending=0)
                    | (
                        ~Q(owner_kind="system")
                        & Q(balance__isnull=False, balance__gte=0, pending__gte=0)
                        & Q(balance__gte=F("pending"))
                    )
                ),
                name="loyalty_account_never_overdrawn",
            ),
        ]
        indexes = [models.Index(fields=["owner_id"], name="loyalty_account_owner")]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.kind}/{self.unit}"

    @property
    def is_system(self) -> bool:
        return self.owner_kind == OwnerKind.SYSTEM

    @property
    def available(self):
        return (self.balance or 0) - self.pending


class TransferStatus(models.TextChoices):
    POSTED = "posted", _("Posted")  # moved value: has entries
    PENDING = "pending", _("Pending")  # a hold: no entries; held until a post, void or expiry resolves it
    VOID = "void", _("Void")  # released a hold: no entries


class TransferKind(models.TextChoices):
    EARN = "earn", _("Earned on a purchase")
    ACTIVITY = "activity", _("Earned on an activity")
    REDEEM = "redeem", _("Redeemed")
    HOLD = "hold", _("Held at checkout")
    POST = "post", _("Payment posted")
    VOID = "void", _("Hold released")
    HOLD_EXPIRED = "hold_expired", _("Hold expired")
    EXPIRE = "expire", pgettext_lazy("points", "Expired")
    MERGE = "merge", _("Moved by a merge")
    REFUND = "refund", pgettext_lazy("points", "Refunded")
    REVERSE = "reverse", _("Reversed on a return")
    ADJUST = "adjust", _("Manual adjustment")
    ISSUE = "issue", _("Gift card issued")
    TOP_UP = "top_up", _("Wallet top-up")
    CREDIT = "credit", _("Store credit granted")
    SPEND = "spend", _("Spent")
    FORFEIT = "forfeit", _("Closed on erasure")


ERASABLE_TEXT = {"memo", "reference", "metadata"}


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Ledger rows are immutable.")

    def delete(self):
        raise PermissionError("Ledger rows are immutable.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("Ledger rows are immutable.")

    def erase_text(self, **fields):
        """Erasure only: blank a transfer's descriptive text (memo, reference, metadata); amounts,
        accounts, keys, kinds, statuses, links and times never change (the triggers of migration
        0005 let only these three columns change)."""
        if not set(fields) <= ERASABLE_TEXT:
            raise PermissionError("Ledger rows are immutable.")
        return super().update(**fields)


class Immutable(models.Model):
    """Refuses a second save and a delete (database triggers refuse them too: migration 0002)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Ledger rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Ledger rows are immutable.")


class Transfer(Immutable):
    """An immutable, idempotent movement of `amount` of one unit from `debit` to `credit`.

    `key` is unique: a retried transfer with the same key finds the first one. A pending transfer
    (a hold) is resolved by exactly one later transfer that names it in `resolves` (one-to-one:
    a hold can be posted or voided once, whatever races)."""

    public_id = PublicIdField(prefix="trx")
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=14, choices=TransferKind.choices)
    status = models.CharField(max_length=8, choices=TransferStatus.choices)
    unit = models.CharField(max_length=8)
    amount = models.DecimalField(**AMOUNT)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    resolves = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="resolution")
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals")
    expires_at = models.DateTimeField(null=True, blank=True)  # holds only
    reference = models.CharField(max_length=100, blank=True, default="", db_index=True)  # order, return, coupon…
    payment = models.CharField(max_length=150, blank=True, default="", db_index=True)  # the payment a hold belongs to
    channel = models.CharField(max_length=20, blank=True, default="")
    memo = models.CharField(max_length=300, blank=True, default="")
    actor = models.CharField(max_length=80, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta(Immutable.Meta):
        verbose_name = pgettext_lazy("ledger", "transfer")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loyalty_transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="loyalty_transfer_two_accounts"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="loyalty_transfer_holds")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.unit} ({self.key})"


class Entry(Immutable):
    """One line of a posted transfer: negative on the debited account, positive on the credited."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    unit = models.CharField(max_length=8)
    amount = models.DecimalField(**AMOUNT)
    balance_after = models.DecimalField(**AMOUNT, null=True, blank=True)  # NULL on system accounts
    created_at = models.DateTimeField()

    class Meta(Immutable.Meta):
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["account", "id"], name="loyalty_entry_account")]


class Lot(models.Model):
    """What is left of one credit to a customer or gift card account, spent oldest-expiry first.

    The remaining amounts of an account's lots always add up to its balance."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="lots")
    amount = models.DecimalField(**AMOUNT)
    remaining = models.DecimalField(**AMOUNT)
    expires_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # PointsExpiring sent
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lot")
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")), name="loyalty_lot_remaining_in_range"),
        ]
        indexes = [
            models.Index(fields=["account", "expires_at"], name="loyalty_lot_fifo"),
            models.Index(fields=["expires_at"], name="loyalty_lot_expiry"),
        ]


# --- program ---------------------------------------------------------------------------------


class Program(models.Model):
    """The business's loyalty program (one is active). Earn `earn_points` per `earn_per` spent;
    a point pays `point_value` in `currency`."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    earn_per = models.DecimalField(**AMOUNT)
    earn_points = models.PositiveIntegerField(default=1)
    point_value = models.DecimalField(max_digits=12, decimal_places=4)
    points_expire_months = models.PositiveSmallIntegerField(default=12)  # 0: never
    expiry_notice_days = models.PositiveSmallIntegerField(default=30)
    qr_ttl_seconds = models.PositiveIntegerField(default=300)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("program")
        constraints = [
            models.CheckConstraint(condition=Q(earn_per__gt=0) & Q(point_value__gt=0), name="loyalty_program_rates_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A level reached by 12-month spend: multiplies earning and lists its benefits."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=60)
    min_spend = models.DecimalField(**AMOUNT)
    earn_multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    benefits = models.JSONField(default=list, blank=True)  # short texts shown to staff and customers

    class Meta:
        verbose_name = _("tier")
        ordering = ["min_spend"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="loyalty_tier_code_once"),
            models.CheckConstraint(condition=Q(min_spend__gte=0) & Q(earn_multiplier__gt=0), name="loyalty_tier_sane"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    CATEGORY = "category", _("Category multiplier")
    ACTIVITY = "activity", _("Activity reward")


class Activity(models.TextChoices):
    REVIEW = "review", _("Product review")
    SURVEY = "survey", _("Survey answered")
    REFERRAL = "referral", _("Friend referred")
    PROFILE = "profile", _("Profile completed")
    GAME = "game", _("Game played")


class EarnRule(models.Model):
    """A category multiplier (purchases) or a fixed reward for an activity. The same in every
    channel unless `channels` names some."""

    public_id = PublicIdField(prefix="rul")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=10, choices=RuleKind.choices)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=60, blank=True, default="")  # category code (kind=category)
    multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    activity = models.CharField(max_length=12, choices=Activity.choices, blank=True, default="")
    reward = models.PositiveIntegerField(default=0)  # points or coins (kind=activity)
    unit = models.CharField(max_length=8, default=POINTS)  # PTS or COIN (kind=activity)
    max_per_customer = models.PositiveIntegerField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)  # empty: every channel
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("earn rule")
        constraints = [
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="loyalty_rule_multiplier_positive"),
            models.CheckConstraint(condition=Q(unit__in=[POINTS, COINS]), name="loyalty_rule_unit_known"),
        ]

    def __str__(self) -> str:
        return self.name


class Spend(models.Model):
    """What a customer spent (negative on returns): the 12-month sum decides the tier."""

    owner_id = models.CharField(max_length=40, db_index=True)
    reference = models.CharField(max_length=150, unique=True)
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("spend")
        indexes = [models.Index(fields=["owner_id", "at"], name="loyalty_spend_window")]


class TierState(models.Model):
    """The tier a customer holds now (recomputed on earn, return and daily)."""

    owner_id = models.CharField(max_length=40, unique=True)
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True)
    spend_12m = models.DecimalField(**AMOUNT, default=0)
    since = models.DateTimeField()
    updated_at = models.DateTimeField()


# --- stored value ----------------------------------------------------------------------------


class GiftCard(models.Model):
    """A gift card: the code is on the card; the PIN is kept only as a hash. Its balance is the
    balance of its own ledger account."""

    public_id = PublicIdField(prefix="gft")
    code = models.CharField(max_length=32, unique=True)
    pin_hash = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    initial_amount = models.DecimalField(**AMOUNT)
    purchaser_id = models.CharField(max_length=40, blank=True, default="")  # a customer id, when known
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="gift_card")

    class Meta:
        verbose_name = _("gift card")
        constraints = [models.CheckConstraint(condition=Q(initial_amount__gt=0), name="loyalty_gift_card_positive")]

    def __str__(self) -> str:
        return f"{self.code[:4]}…{self.code[-4:]}"


# --- coupons ---------------------------------------------------------------------------------


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    AMOUNT = "amount", _("Amount off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X get Y")


class CouponBatch(models.Model):
    """A batch of unique one-use codes sharing one set of terms."""

    public_id = PublicIdField(prefix="cpb")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    count = models.PositiveIntegerField()
    created_by = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("coupon batch")

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    """A code with terms. `uses` counts the orders that hold it; the database refuses more than
    `max_uses` whatever the application does."""

    public_id = PublicIdField(prefix="cpn")
    code = models.CharField(max_length=40, unique=True)  # upper case
    name = models.CharField(max_length=100, blank=True, default="")
    # Made for one customer (service recovery): only they may use it. Empty: anyone.
    owner_id = models.CharField(max_length=40, blank=True, default="")
    kind = models.CharField(max_length=14, choices=CouponKind.choices)
    value = models.DecimalField(**AMOUNT, default=0)  # the percent, or the amount in `currency`
    currency = models.CharField(max_length=3)
    buy_quantity = models.PositiveSmallIntegerField(default=0)  # buy_x_get_y
    get_quantity = models.PositiveSmallIntegerField(default=0)
    min_spend = models.DecimalField(**AMOUNT, default=0)
    skus = models.JSONField(default=list, blank=True)  # scope; both empty: the whole order
    categories = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)  # empty: every channel
    max_uses = models.PositiveIntegerField(null=True, blank=True)  # NULL: unlimited
    max_uses_per_customer = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    batch = models.ForeignKey(CouponBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="coupons")
    created_by = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("coupon")
        constraints = [
            models.CheckConstraint(condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")), name="loyalty_coupon_within_max_uses"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(min_spend__gte=0), name="loyalty_coupon_amounts_sane"),
        ]

    def __str__(self) -> str:
        return self.code


class CouponUse(models.Model):
    """One order's use of a coupon; released (given back) on cancellation or return."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="use_set")
    order_ref = models.CharField(max_length=100)
    customer_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    channel = models.CharField(max_length=20, blank=True, default="")
    discount = models.DecimalField(**AMOUNT, default=0)
    currency = models.CharField(max_length=3)
    free_shipping = models.BooleanField(default=False)
    used_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("coupon use")
        constraints = [models.UniqueConstraint(fields=["coupon", "order_ref"], name="loyalty_coupon_once_per_order")]
        indexes = [models.Index(fields=["order_ref"], name="loyalty_coupon_use_order")]


# --- value issued by staff: limits and approvals (loyalty/limits.py, services/approvals.py) ----


class GrantKind(models.TextChoices):
    STORE_CREDIT = "store_credit", _("Store credit")
    COUPON = "coupon", _("Coupon")


class GrantStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")  # within the actor's limits, at once
    PENDING = "pending", _("Waiting for a manager")
    APPROVED = "approved", _("Approved and issued")
    REJECTED = "rejected", _("Rejected")


class ValueGrant(models.Model):
    """Value a person gave by hand (store credit, a coupon for one customer): issued at once within
    the actor's limits, else waiting for a manager's approval. `note` is staff-only free text, kept
    here (never in the audit log) and scrubbed when the customer is erased."""

    public_id = PublicIdField(prefix="vgr")
    kind = models.CharField(max_length=14, choices=GrantKind.choices)
    status = models.CharField(max_length=10, choices=GrantStatus.choices)
    customer_id = models.CharField(max_length=40, db_index=True)
    amount = models.DecimalField(**AMOUNT, default=0)  # money given (store credit, amount coupons)
    currency = models.CharField(max_length=3)
    coupon_kind = models.CharField(max_length=14, blank=True, default="")
    coupon_value = models.DecimalField(**AMOUNT, default=0)  # the percent, for percent coupons
    reason = models.CharField(max_length=20, blank=True, default="")  # return | service_recovery
    reference = models.CharField(max_length=100, blank=True, default="")  # e.g. the conversation id
    note = models.CharField(max_length=200, blank=True, default="")
    requested_by = models.CharField(max_length=80)  # ledger.actor_label: "user:7", "apikey:ab12"
    requested_role = models.CharField(max_length=20)
    requested_at = models.DateTimeField()
    decided_by = models.CharField(max_length=80, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=40, blank=True, default="")  # the transfer or coupon id issued

    class Meta:
        verbose_name = _("value grant")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0) & Q(coupon_value__gte=0), name="loyalty_grant_amounts_sane")]
        indexes = [models.Index(fields=["status", "requested_at"], name="loyalty_grant_status")]

    def __str__(self) -> str:
        return self.public_id


class Allowance(models.Model):
    """What one staff member or key gave by hand on one day (business time zone): the daily caps
    are enforced by a conditional UPDATE on this row, so concurrent grants never pass a cap together."""

    actor = models.CharField(max_length=80)
    day = models.DateField()
    amount = models.DecimalField(**AMOUNT, default=0)
    coupons = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily allowance")
        constraints = [models.UniqueConstraint(fields=["actor", "day"], name="loyalty_allowance_once_per_day")]

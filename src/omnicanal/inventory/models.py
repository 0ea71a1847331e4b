"""Inventory tables: where stock lives (Location), which channels each location serves, how much
is there (StockLevel, with database CHECKs), every change to it (StockMovement, the ledger), what is
promised (Reservation), what is on the road (Transfer) and what was counted (StockCount).

Rules live in services.py; every SELECT … FOR UPDATE lives in locks.py.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omnicanal.catalog.models import Channel, Variant
from omnicanal.core.ids import PublicIdField


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    STORE = "store", _("Store")
    DARK_STORE = "dark_store", _("Dark store")
    SUPPLIER = "supplier", _("Supplier")
    PICKUP_POINT = "pickup_point", _("Pickup point")


CAPABILITIES = ("ship", "pickup", "curbside", "returns")


class Location(models.Model):
    """A place that holds, ships or hands over stock. Known on the wire by its code."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    ships = models.BooleanField(default=False)
    pickup = models.BooleanField(default=False)
    curbside = models.BooleanField(default=False)
    returns = models.BooleanField(default=False)
    line1 = models.CharField(max_length=200, blank=True, default="")
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    lat = models.FloatField(null=True, blank=True)  # degrees; geography, not money, so a float is right
    lon = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="America/Santiago")
    # {"mon-fri": "10:00-20:00", "sat": "10:00-14:00"}; empty: no counter (a supplier)
    opening_hours = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("location")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LocationKind.values), name="location_kind_known"),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lon__gte=-180, lon__lte=180)),
                name="location_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def capabilities(self) -> list[str]:
        return [c for c in CAPABILITIES if getattr(self, "ships" if c == "ship" else c)]


class LocationHoliday(models.Model):
    """One date on which a location keeps other hours than its week's: closed (a public holiday) or
    special hours (Christmas Eve until 14:00). The date is the location's own (its time zone)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120)
    closed = models.BooleanField(default=True)
    opens = models.TimeField(null=True, blank=True)  # only with closed=False
    closes = models.TimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("holiday or special hours")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["location", "date"], name="location_holiday_once_a_day"),
            models.CheckConstraint(
                condition=Q(closed=True, opens__isnull=True, closes__isnull=True)
                | Q(closed=False, opens__isnull=False, closes__isnull=False, opens__lt=F("closes")),
                name="location_holiday_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.date} {self.name}"


class LocationChannel(models.Model):
    """A location serves a channel: ships its orders and/or hands them over (pickup).

    `safety_stock` units of every variant stay out of that channel's promise (a store keeps one of
    each size for walk-ins, so the web does not sell its last pair)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="channel_links")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    ships = models.BooleanField(default=True)
    pickup = models.BooleanField(default=False)
    safety_stock = models.PositiveIntegerField(default=0)
    priority = models.PositiveSmallIntegerField(default=100)  # lower is tried first when sourcing

    class Meta:
        verbose_name = _("location channel")
        constraints = [
            models.UniqueConstraint(fields=["channel", "location"], name="one_link_per_channel_location"),
            models.CheckConstraint(condition=Q(ships=True) | Q(pickup=True), name="link_ships_or_picks_up"),
        ]


class StockLevel(models.Model):
    """Units of one variant at one location. The database itself refuses 0 > reserved > on_hand."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stock level")
        constraints = [
            # variant first: availability reads every location of one variant
            models.UniqueConstraint(fields=["variant", "location"], name="one_stock_level_per_variant_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["location", "variant"], name="stock_by_location")]


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Count")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")


class StockMovement(models.Model):
    """The ledger: every change of on_hand, signed. on_hand always equals the sum of these."""

    stock = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField()  # signed change of on_hand
    on_hand_after = models.IntegerField()
    reference = models.CharField(max_length=64, blank=True, default="")  # ord_…, trf_…, cnt_…, a delivery note
    reason = models.CharField(max_length=200, blank=True, default="")
    actor = models.CharField(max_length=100, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("stock movement")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="movement_kind_known"),
            models.CheckConstraint(condition=~Q(quantity=0) | Q(kind="count"), name="movement_changes_something"),
        ]
        indexes = [
            models.Index(fields=["stock", "at"], name="movement_by_stock"),
            models.Index(fields=["reference"], name="movement_by_reference"),
            models.Index(fields=["at"], name="movement_by_time"),
        ]


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMMITTED = "committed", _("Committed")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")


class Reservation(models.Model):
    """Units promised to an order or cart (`reference`), held until committed, released or expired."""

    # Unique by a constraint, not unique=True, which on PostgreSQL adds a LIKE-pattern index that no
    # query uses and every reservation would write.
    public_id = PublicIdField(prefix="rsv", unique=False)
    reference = models.CharField(max_length=64)
    # No database constraint, on purpose: a foreign key makes every insert lock the parent row FOR KEY
    # SHARE, and every concurrent reservation of a channel would share-lock the same row, 'web', which
    # PostgreSQL records as a new MultiXact (written and WAL-logged) each time the set of lockers changes:
    # ~10 % of a hot SKU's reservation throughput (docs/catalog-inventory.md). Channels are never deleted
    # (PROTECT guards the ORM) and do_reserve checks the code first.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    status = models.CharField(max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # None: held until released or committed
    closed_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("reservation")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReservationStatus.values), name="reservation_status_known"),
            # One live reservation per order or cart: a retried reserve cannot double the hold.
            models.UniqueConstraint(fields=["reference"], condition=Q(status="active"),
                                    name="one_active_reservation_per_reference"),
            models.UniqueConstraint(fields=["public_id"], name="reservation_public_id_unique"),
        ]
        # Only what the expiry task looks for: an order's reservation (no expiry) is never written here.
        indexes = [models.Index(fields=["expires_at"], condition=Q(status="active", expires_at__isnull=False),
                                name="reservation_due")]


class LineState(models.TextChoices):
    HELD = "held", _("Held")
    COMMITTED = "committed", _("Committed")
    RELEASED = "released", _("Released")


class ReservationLine(models.Model):
    # No database constraints (db_constraint=False, migration 0010): a foreign key's check runs at the
    # COMMIT (Django's are deferred), so every hot-SKU reservation ran two more queries and wrote two
    # row locks (on its reservation and on the hot stock row itself) while holding the hot row's lock.
    # Neither parent is ever deleted (stock rows are PROTECTed, reservations are closed, not removed);
    # the ORM still applies on_delete, and stock_problems() reports a line whose parent is missing.
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines", db_constraint=False)
    # db_index=False: reservation_line_by_stock (stock, state) serves every lookup by stock; one index
    # less to write on the reservation hot path.
    stock = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservation_lines", db_index=False,
                              db_constraint=False)
    # Not a PositiveIntegerField: its own CHECK (>= 0) said less than reservation_line_positive, and each
    # CHECK costs every insert on PostgreSQL a parse of its expression (migration 0011).
    quantity = models.IntegerField()
    state = models.CharField(max_length=20, choices=LineState.choices, default=LineState.HELD)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_line_positive"),
            models.CheckConstraint(condition=Q(state__in=LineState.values), name="reservation_line_state_known"),
        ]
        indexes = [models.Index(fields=["stock", "state"], name="reservation_line_by_stock")]


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """Stock moving between locations. In transit it belongs to neither: it left the origin's
    on_hand (transfer_out) and reaches the destination's only when received (transfer_in)."""

    public_id = PublicIdField(prefix="trf")
    origin = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    reference = models.CharField(max_length=64, blank=True, default="")  # e.g. the order of a ship-to-store
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("transfer")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="transfer_between_two_places"),
            models.CheckConstraint(condition=Q(status__in=TransferStatus.values), name="transfer_status_known"),
        ]
        indexes = [models.Index(fields=["status"], name="transfer_by_status")]


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    received = models.PositiveIntegerField(null=True, blank=True)  # None until received; less = lost on the way

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_line_positive"),
            models.CheckConstraint(condition=Q(received__isnull=True) | Q(received__lte=F("quantity")),
                                   name="transfer_line_received_within_shipped"),
            models.UniqueConstraint(fields=["transfer", "variant"], name="one_transfer_line_per_variant"),
        ]


class StockCount(models.Model):
    """A cycle count at one location: what the system expected and what people found."""

    public_id = PublicIdField(prefix="cnt")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="counts")
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=100, blank=True, default="")
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("stock count")
        ordering = ["-created_at", "-id"]


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField()
    counted = models.IntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(counted__gte=0), name="count_not_negative")]

    @property
    def variance(self) -> int:
        return self.counted - self.expected

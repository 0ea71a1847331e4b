"""Marketplace connectors (Mercado Libre first): the seller accounts and their tokens, the
notifications received, the marketplace's orders and questions linked to ours, the listings we
publish there, and the queue of calls to the marketplace (retried until they land)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.crypto import EncryptedSecretsJSONField
from omnicanal.core.ids import PublicIdField


class MarketplaceAccount(models.Model):
    """One seller on one marketplace."""

    public_id = PublicIdField(prefix="mpa")
    marketplace = models.CharField(max_length=30, default="mercadolibre")
    seller_id = models.CharField(max_length=40)  # the marketplace's user id of the seller
    site_id = models.CharField(max_length=10, default="MLC")  # Mercado Libre's site (MLC: Chile)
    nickname = models.CharField(max_length=100, blank=True, default="")
    # {"access_token", "refresh_token"}: sealed at rest and re-encrypted by `omnicanal rotate-secrets`;
    # Mercado Libre's refresh token is single-use.
    tokens = EncryptedSecretsJSONField(default=dict, blank=True, secret_keys=("access_token", "refresh_token"))
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)  # the last call that worked
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Multi-origin stock (Mercado Libre's "multi-warehouse" sellers): quantities go per warehouse
    # (PUT /user-products/{id}/stock/type/seller_warehouse), mapped from our locations (WarehouseMapping).
    multi_warehouse = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketplace account")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "seller_id"], name="marketplace_seller_once"),
        ]

    def __str__(self) -> str:
        return f"{self.marketplace}:{self.seller_id}"


class WorkStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("marketplace work", "pending")
    DONE = "done", pgettext_lazy("marketplace work", "done")
    FAILED = "failed", pgettext_lazy("marketplace work", "failed")
    IGNORED = "ignored", pgettext_lazy("marketplace work", "ignored")


class Notification(models.Model):
    """A notification as received; stored once per key (a replay is the same row)."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)  # the notification's _id, else topic|resource|sent
    topic = models.CharField(max_length=40)
    resource = models.CharField(max_length=200)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True, default="")
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("marketplace notification")
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="marketplace_notification_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mp_notification_due")]


class MarketplaceOrder(models.Model):
    """A marketplace order and the order it became in our book (one each: the import is idempotent)."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="orders")
    external_id = models.CharField(max_length=40)
    order_id = models.CharField(max_length=32, blank=True, default="")  # ord_… ("" when never placed)
    status = models.CharField(max_length=30)  # the marketplace's: paid, cancelled…
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    fees = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # the marketplace's sale fees
    shipment_id = models.CharField(max_length=40, blank=True, default="")
    logistic_type = models.CharField(max_length=40, blank=True, default="")  # fulfillment: theirs; else ours
    shipment_status = models.CharField(max_length=40, blank=True, default="")
    imported_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True, default="")  # why it was not placed

    class Meta:
        verbose_name = _("marketplace order")
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="marketplace_order_once")]


class ListingState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("marketplace listing", "active")
    HELD = "held", pgettext_lazy("marketplace listing", "held: out of policy")
    UNLISTED = "unlisted", pgettext_lazy("marketplace listing", "not on the marketplace")


class MarketplaceListing(models.Model):
    """One SKU published as one marketplace item: what we last pushed, and whether stock waits."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="listings")
    sku = models.CharField(max_length=64)
    item_id = models.CharField(max_length=40, blank=True, default="")  # MLC…
    state = models.CharField(max_length=10, choices=ListingState.choices, default=ListingState.UNLISTED)
    held_reason = models.CharField(max_length=300, blank=True, default="")
    pushed_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    pushed_quantity = models.IntegerField(null=True, blank=True)
    stock_dirty_since = models.DateTimeField(null=True, blank=True)  # a stock change waits for the debounce
    stock_changed_at = models.DateTimeField(null=True, blank=True)  # the latest change (a push after it clears)
    remote_status = models.CharField(max_length=30, blank=True, default="")  # the item's status there
    user_product_id = models.CharField(max_length=40, blank=True, default="")  # MLCU…: multi-origin stock
    pushed_locations = models.JSONField(default=dict, blank=True)  # {store_id: quantity} last pushed
    paused = models.BooleanField(default=False)  # paused by us: a price push leaves it paused
    created_here = models.BooleanField(default=False)  # created from the catalog (POST /items), not linked
    # What the catalog does not know and the item needs: {"category_id", "listing_type_id", "condition"}.
    item_fields = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")  # the marketplace's last refusal
    pushed_at = models.DateTimeField(null=True, blank=True)  # the last write that landed
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketplace listing")
        constraints = [
            models.UniqueConstraint(fields=["account", "sku"], name="marketplace_listing_sku_once"),
        ]
        indexes = [models.Index(fields=["item_id"], name="mp_listing_item")]


class MarketplaceQuestion(models.Model):
    """A buyer's question, the inbox message it became, and our answer once it reached the marketplace."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="questions")
    question_id = models.CharField(max_length=40)
    item_id = models.CharField(max_length=40, blank=True, default="")
    message_id = models.CharField(max_length=32, blank=True, default="")  # the inbound message (msg_…)
    answer_message_id = models.CharField(max_length=32, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketplace question")
        constraints = [models.UniqueConstraint(fields=["account", "question_id"], name="marketplace_question_once")]


class ApiCall(models.Model):
    """A write to the marketplace (stock, price, answer), kept until it lands: 429 and 5xx retry with
    backoff. One pending call per (account, key): a newer stock figure replaces a waiting one."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="calls")
    key = models.CharField(max_length=120)  # "quantity:MLC1", "price:MLC1", "answer:123"
    method = models.CharField(max_length=6)
    path = models.CharField(max_length=200)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("marketplace call")
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], condition=models.Q(status="pending"),
                                    name="marketplace_call_pending_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mp_call_due")]


class WarehouseMapping(models.Model):
    """One of our locations is this Mercado Libre warehouse (store) of a multi-warehouse seller:
    its availability is pushed as that warehouse's quantity."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="warehouses")
    location = models.CharField(max_length=32)  # inventory's location code
    store_id = models.CharField(max_length=40)  # Mercado Libre's store / warehouse id

    class Meta:
        verbose_name = _("marketplace warehouse")
        constraints = [
            models.UniqueConstraint(fields=["account", "location"], name="marketplace_warehouse_location_once"),
            models.UniqueConstraint(fields=["account", "store_id"], name="marketplace_warehouse_store_once"),
        ]


class MarketplaceClaim(models.Model):
    """A buyer's claim on the marketplace (and its return) and what it became in our book: a dispute
    on the order, a return once the buyer ships the goods back. One row per claim: a replayed
    notification finds it and changes nothing."""

    account = models.ForeignKey(MarketplaceAccount, on_delete=models.CASCADE, related_name="claims")
    claim_id = models.CharField(max_length=40)
    external_order_id = models.CharField(max_length=40, blank=True, default="")  # the claim's resource_id
    reason_id = models.CharField(max_length=20, blank=True, default="")  # PNR… (not received), PDD… (defective)
    status = models.CharField(max_length=20, blank=True, default="")  # opened | closed (the marketplace's)
    stage = models.CharField(max_length=20, blank=True, default="")  # claim | dispute | recontact…
    resolution = models.CharField(max_length=60, blank=True, default="")  # the closing reason there
    dispute_id = models.CharField(max_length=32, blank=True, default="")  # dsp_…
    return_id = models.CharField(max_length=32, blank=True, default="")  # ret_…
    return_status = models.CharField(max_length=30, blank=True, default="")  # the return's status there
    return_tracking = models.CharField(max_length=60, blank=True, default="")
    note = models.CharField(max_length=300, blank=True, default="")  # why it is not (yet) in the book
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketplace claim")
        constraints = [models.UniqueConstraint(fields=["account", "claim_id"], name="marketplace_claim_once")]

"""Catalog tables: what is sold (Product, Variant), how it is grouped (Category, Brand), where it is
offered (Channel) and how each channel shows it (Listing). No business rules here: services.py."""

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext_lazy as _

from omnicanal.core.ids import PublicIdField


class PurchaseCycle(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    DURABLE = "durable", _("Durable")
    REPLENISHABLE = "replenishable", _("Replenishable")


class Category(models.Model):
    """A node of the category tree. The purchase cycle tells engagement when to come back."""

    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name_es = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True, default="")
    purchase_cycle = models.CharField(max_length=20, choices=PurchaseCycle.choices, default=PurchaseCycle.ONE_OFF)
    # Days between purchases of a replenishable good (an energy gel box lasts about a month).
    replenish_days = models.PositiveIntegerField(null=True, blank=True)
    # Days a customer has to return a product of this category (0: not returnable); empty: the
    # business's default, settings.OMNICANAL["RETURN_WINDOW_DAYS"]. Not inherited from the parent.
    return_window_days = models.PositiveIntegerField(_("return window (days)"), null=True, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(purchase_cycle__in=PurchaseCycle.values), name="category_cycle_known"),
            models.CheckConstraint(
                condition=~Q(purchase_cycle=PurchaseCycle.REPLENISHABLE) | Q(replenish_days__gt=0),
                name="category_replenishable_has_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.name_es


class Brand(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        verbose_name = _("brand")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """What a customer recognises; the variants are what is stocked and sold."""

    public_id = PublicIdField(prefix="prd")
    handle = models.SlugField(max_length=120, unique=True)
    name_es = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True, default="")
    description_es = models.TextField(blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    base_price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("product")
        ordering = ["name_es"]
        constraints = [models.CheckConstraint(condition=Q(base_price__gte=0), name="product_price_not_negative")]

    def __str__(self) -> str:
        return self.name_es


class Variant(models.Model):
    """One sellable unit: a size and colour of a product, with its own SKU and barcode."""

    public_id = PublicIdField(prefix="var")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    gtin = models.CharField(max_length=14, null=True, blank=True, unique=True)
    attributes = models.JSONField(default=dict, blank=True)  # {"size": "42", "color": "negro"}
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)  # None: the product's
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("variant")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="variant_price_not_negative")
        ]
        # The shop's colour and size filters (catalog.facet_counts.attribute: `attributes ->> 'color'`)
        # read these instead of every variant of the catalogue; colour and size together, colour alone
        # (the leading column) and size alone. Same expressions as the filter's, so the planner matches
        # them (docs/storefront.md "Speed", "Sixth pass").
        indexes = [
            models.Index(KeyTextTransform("color", "attributes"), KeyTextTransform("size", "attributes"),
                         name="variant_color_size"),
            models.Index(KeyTextTransform("size", "attributes"), name="variant_size"),
        ]

    def __str__(self) -> str:
        return self.sku


def image_path(instance, filename: str) -> str:
    return f"catalog/{instance.public_id}-{filename}"


class ProductImage(models.Model):
    """Stored under MEDIA_ROOT and served by the catalog's own view (nothing remote)."""

    public_id = PublicIdField(prefix="img")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=image_path, max_length=200)
    content_type = models.CharField(max_length=40)
    alt_es = models.CharField(max_length=200, blank=True, default="")
    alt_en = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("product image")
        ordering = ["product_id", "position", "id"]


class Channel(models.Model):
    """A sales channel and its publication policy, compared with its reference channel."""

    code = models.SlugField(max_length=30, primary_key=True)
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    # The channel whose price, texts and publication this one is held to; None: the product itself.
    reference = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # How far the price may stray from the reference price, in percent (the marketplace: 8 above).
    price_above_pct = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    price_below_pct = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    allow_title_override = models.BooleanField(default=False)
    allow_description_override = models.BooleanField(default=False)
    # A variant without a listing row is published here when this is set.
    publish_by_default = models.BooleanField(default=True)
    # The app mirrors the web: what one shows, the other must show too.
    mirror_reference = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("channel")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_above_pct__gte=0) & Q(price_below_pct__gte=0), name="channel_policy_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """How one channel shows one variant. Empty overrides fall back to the product."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="listings")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="listings")
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    title_es = models.CharField(max_length=200, blank=True, default="")
    title_en = models.CharField(max_length=200, blank=True, default="")
    description_es = models.TextField(blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("listing")
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="one_listing_per_channel_variant"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="listing_price_not_negative"),
        ]

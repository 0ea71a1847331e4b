"""Tables of the customers domain: fields, constraints and indexes only (rules live in services)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core.ids import PublicIdField


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    WEBCHAT = "webchat", _("Web chat")
    APP_DEVICE = "app_device", _("App device")
    LOYALTY_CARD = "loyalty_card", _("Loyalty card")
    POS_CUSTOMER = "pos_customer", _("POS customer number")
    MARKETPLACE = "marketplace", _("Marketplace buyer")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")


class ContactChannel(models.TextChoices):
    """Channels a customer can be contacted on, each with its own consent."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    WEBCHAT = "webchat", _("Web chat")
    PUSH = "push", _("App notifications")
    VOICE = "voice", _("Phone call")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")
    SURVEYS = "surveys", _("Surveys")


class Customer(models.Model):
    """One person, whatever channels they use. A merged customer stays as an alias of the survivor."""

    public_id = PublicIdField(prefix="cus")
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    # Lower-case, accent-free name for partial search on both databases.
    name_key = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    contact_from = models.TimeField(_("contact from"), null=True, blank=True)
    contact_to = models.TimeField(_("contact until"), null=True, blank=True)
    preferred_channels = models.JSONField(_("preferred channel per purpose"), default=dict, blank=True)
    # The store the customer shops at (a location code chosen in the shop); marketing checks stock there.
    preferred_store = models.CharField(_("preferred store"), max_length=32, blank=True, default="")
    # The birthday: month and day together, the year only if the customer gave it (marketing's
    # birthday flow needs the day; the age is nobody's business unless they say it).
    birth_month = models.PositiveSmallIntegerField(_("birth month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birth day"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    address_city = models.CharField(_("city"), max_length=100, blank=True, default="")
    address_region = models.CharField(_("region"), max_length=100, blank=True, default="")
    address_postal_code = models.CharField(max_length=20, blank=True, default="")
    address_country = models.CharField(max_length=2, blank=True, default="")
    # True while only anonymous ids (web chat, app device) and no name are known: such a visitor
    # joins a known customer on any evidence, since there is nothing of theirs to confuse.
    anonymous = models.BooleanField(default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="aliases"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="customer_not_merged_into_itself"),
            models.CheckConstraint(
                condition=(Q(birth_month__isnull=True, birth_day__isnull=True, birth_year__isnull=True)
                           | Q(birth_month__gte=1, birth_month__lte=12, birth_day__gte=1, birth_day__lte=31)),
                name="customer_birth_date_whole"),
        ]
        indexes = [models.Index(fields=["birth_month", "birth_day"], name="customer_birthday")]

    def __str__(self) -> str:
        return self.name or self.public_id


class Identity(models.Model):
    """A normalized identifier of a customer on some channel. A (kind, value) has one owner."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=20, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=200)
    verified = models.BooleanField(_("verified"), default=False)
    source_channel = models.CharField(_("source channel"), max_length=20, blank=True, default="")
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            # value first: the batch path asks `value IN (...)` and single lookups give both.
            models.UniqueConstraint(fields=["value", "kind"], name="identity_value_kind_once"),
            models.CheckConstraint(condition=Q(kind__in=IdentityKind.values), name="identity_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Consent(models.Model):
    """The current consent of a customer for one channel and purpose, with where it came from."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=20, choices=ContactChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=60)  # "sms:STOP", "console", "api", "pos"
    proof = models.TextField(_("proof"), blank=True, default="")  # the words, form or reference
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("consent")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel", "purpose"], name="one_consent_per_channel_purpose"),
            models.CheckConstraint(condition=Q(channel__in=ContactChannel.values), name="consent_channel_known"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="consent_purpose_known"),
        ]


class TimelineEvent(models.Model):
    """One thing that happened to a customer on some channel; every domain appends here."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    type = models.CharField(max_length=40)  # "customer.created", "order.placed", "message.in"…
    channel = models.CharField(max_length=20, blank=True, default="")
    summary = models.CharField(max_length=500, blank=True, default="")
    ref = models.CharField(max_length=100, blank=True, default="")
    # For our own types: the facts the summary is rendered from, in the reader's language.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "at"], name="timeline_customer_at")]


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    OBSOLETE = "obsolete", _("Obsolete")


class MergeSuggestion(models.Model):
    """A pair that may be one person, for staff to accept (merge) or reject (never again)."""

    public_id = PublicIdField(prefix="dup")
    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)  # [{"code": "email_variant", ...}]
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = [
            # One row per pair, ever: a rejected pair is never suggested again.
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="one_suggestion_per_pair"),
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")), name="suggestion_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "score"], name="suggestion_queue")]


class MergeRecord(models.Model):
    """What a merge moved from where (ids and kinds, no personal data)."""

    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_in")
    merged = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_out")
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    reason = models.CharField(max_length=40)  # identify, api, console, suggestion
    moved = models.JSONField(default=dict)


class SavedAddress(models.Model):
    """One address of the customer's address book (shipping). At most one is the default; the
    default is also the customer's profile address (Customer.address_*), kept in step by services."""

    public_id = PublicIdField(prefix="adr")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=60, blank=True, default="")  # "Casa", "Oficina"
    recipient = models.CharField(_("recipient"), max_length=200, blank=True, default="")
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("saved address")
        verbose_name_plural = _("saved addresses")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_default=True), name="one_default_address"),
        ]
        indexes = [models.Index(fields=["customer", "created_at"], name="address_book_order")]

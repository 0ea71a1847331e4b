"""Tables of the platform's own machinery: staff, API keys, outbox, idempotency, audit."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from omnicanal.core.local_time import validate_time_zone


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Service agent")
    STORE_STAFF = "store_staff", _("Store staff")
    MARKETER = "marketer", _("Marketer")
    INTEGRATION = "integration", _("Integration")


class Scope(models.TextChoices):
    """What an integration key may reach (Stripe's restricted keys); other roles are not scoped."""

    ORDERS = "orders", _("Orders, carts, returns, loyalty at checkout")
    CATALOG = "catalog", _("Catalogue")
    STOCK = "stock", _("Stock, locations, reservations, transfers")
    CUSTOMERS_PII = "customers-pii", _("Customers' personal data (names, emails, phones, addresses)")
    CONVERSATIONS = "conversations", _("Conversations and tickets (never internal notes)")


# An integration key issued without scopes, and every integration key that existed before scopes
# (migration core/0005), gets these: no personal data, no conversations.
DEFAULT_INTEGRATION_SCOPES = ("catalog", "orders", "stock")


class User(AbstractUser):
    """A staff member. Customers are not users: they live in the customers domain."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    # Location codes a store_staff member may act on; other roles act on every location.
    locations = models.JSONField(_("locations"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # The zone this person reads the console in (an IANA name); empty: the business's (core.local_time).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="",
                                 validators=[validate_time_zone])
    # Opt-in: the Monday KPI summary by email (analytics.weekly), for those who may read the KPIs.
    weekly_summary = models.BooleanField(_("weekly summary by email"), default=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        ]


class ApiKey(models.Model):
    """A machine credential. Only a SHA-256 of the secret is kept; the key is shown once."""

    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True, default="")
    role = models.CharField(max_length=20, choices=Role.choices)
    locations = models.JSONField(default=list, blank=True)
    # Scope names (Scope) an integration key may use; ignored for other roles.
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="apikey_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.role} ({self.prefix}…)"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboxEventQuerySet(models.QuerySet):
    def bulk_update(self, objs, fields, batch_size=None) -> int:
        """As QuerySet.bulk_update, with one plain UPDATE per set of values the rows share: a drained
        batch's events end alike (the same handlers done, done at the same time), and the CASE per row
        and field of Django's own cost the priority lane more than storing a message (issue 23)."""
        groups: dict[str, tuple[dict, list]] = {}
        for obj in objs:
            values = {field: getattr(obj, field) for field in fields}
            groups.setdefault(repr(values), (values, []))[1].append(obj.pk)
        return sum(self.filter(pk__in=pks).update(**values) for values, pks in groups.values())


class OutboxEvent(models.Model):
    """A domain event, written in the transaction that caused it and dispatched after commit."""

    topic = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    done_handlers = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When the event stream's relay (core.stream) had NATS JetStream store it; None: not yet (or the
    # stream is off). Apart from the handlers' status: the stream takes every event, handled or not.
    streamed_at = models.DateTimeField(null=True, blank=True)
    # The id of the request that wrote the event (core.requestid), "" when none did (a periodic job, a
    # command). Its handlers run under it, so their logs and the events they emit carry it too. A
    # database default as well: inventory's reservation function inserts rows without naming it.
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox event")
        indexes = [
            # Events no handler is waiting for (done) are most of them and never looked up by status.
            models.Index(fields=["status", "next_attempt_at"], condition=models.Q(status__in=["pending", "failed"]),
                         name="outbox_due"),
            # A plain index (db_index=True would add a second, LIKE-pattern one on PostgreSQL that no
            # query uses, written on every event).
            models.Index(fields=["topic"], name="outbox_topic"),
            # The relay's queue: events not yet in the stream, oldest first.
            models.Index(fields=["id"], condition=models.Q(streamed_at__isnull=True), name="outbox_unstreamed"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an Idempotency-Key, replayed for its retries."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    response_location = models.CharField(max_length=500, blank=True, default="")
    response_body = models.TextField(blank=True, default="")
    # host:pid:start-time of the process running the request (core.claims): a dead owner's claim is
    # taken over at once by a retry.
    owner = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_scope")]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """Append-only: the model refuses changes and the database triggers refuse UPDATE and DELETE."""

    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=20)  # user, apikey, system
    actor_id = models.CharField(max_length=64)
    actor_name = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=20, blank=True, default="")
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=100, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class AuditNote(models.Model):
    """The free-text reason of an audit entry about a person (`subject_id`, a customer's id): kept
    beside the append-only entry, not in it, so that erasing the person deletes it."""

    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="note")
    subject_id = models.CharField(max_length=64, db_index=True)
    text = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("audit note")


class WorkerHeartbeat(models.Model):
    """One row per worker name, touched by a periodic task; /health reads it."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()


class DemoStep(models.Model):
    """Which app's demo data is loaded, so that `omnicanal demo` can be re-run harmlessly."""

    app = models.CharField(max_length=50, unique=True)
    seed = models.IntegerField()
    loaded_at = models.DateTimeField()


class ThrottleCounter(models.Model):
    """One throttle counter (core.throttle's database backend): hits of a (limit, hashed subject)
    in the current window, and until when it is locked. Times are epoch seconds."""

    key = models.CharField(max_length=120, unique=True)
    hits = models.IntegerField(default=0)
    window_ends = models.FloatField()
    locked_until = models.FloatField(default=0)

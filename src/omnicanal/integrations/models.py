"""Outbound webhooks: endpoints other systems register, one delivery per event and endpoint, and
the log of every attempt."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField


class WebhookEndpoint(models.Model):
    public_id = PublicIdField(prefix="whe")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)  # event names (integrations.catalogue), e.g. ["order.paid"]
    scopes = models.JSONField(default=list)  # ["pii"]: personal data may be sent
    description = models.CharField(max_length=200, blank=True, default="")
    secret = models.TextField()  # "whsec_…", encrypted at rest (core.crypto)
    # After a rotation the old secret still signs (beside the new one) until previous_secret_until,
    # so receivers switch without downtime (Standard Webhooks); encrypted like `secret`.
    previous_secret = models.TextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "pending")
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "delivered")
    FAILED = "failed", pgettext_lazy("webhook delivery", "failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its public id is the `webhook-id` every attempt carries."""

    public_id = PublicIdField(prefix="msg")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField()  # the outbox event
    event_name = models.CharField(max_length=60)
    aggregate = models.CharField(max_length=120)  # deliveries of one aggregate go out in order
    customer_id = models.CharField(max_length=40, blank=True, default="")  # erasure scrubs the body
    body = models.TextField()  # the exact JSON sent (and signed) on every attempt
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)  # a worker is sending it
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["endpoint", "id"], condition=models.Q(status="pending"), name="webhook_pending"),
        ]


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook attempt")

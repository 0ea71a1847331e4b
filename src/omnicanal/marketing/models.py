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

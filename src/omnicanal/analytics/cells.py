"""The one way to add to the rollups' cells (RollupCell), shared by services.py and order_rollups.py:
an UPDATE of the hour's, the day's and the month's cell per metric (UTC), created when missing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from omnicanal.analytics.models import Grain, RollupCell


def buckets(at: dt.datetime) -> tuple[tuple[str, dt.datetime], ...]:
    """The UTC hour, day and month `at` falls in (every cell a metric is added to, finest first)."""
    utc = at.astimezone(dt.UTC)
    hour = utc.replace(minute=0, second=0, microsecond=0)
    return ((Grain.HOUR, hour), (Grain.DAY, hour.replace(hour=0)), (Grain.MONTH, hour.replace(day=1, hour=0)))


def add(*, at: dt.datetime, channel: str, location: str, deltas: dict[str, Decimal]) -> None:
    for grain, bucket in buckets(at):
        for metric, delta in deltas.items():
            if not delta:
                continue
            key = {"grain": grain, "bucket": bucket, "channel": channel, "location": location, "metric": metric}
            if RollupCell.objects.filter(**key).update(value=F("value") + delta):
                continue
            try:
                with transaction.atomic():  # a concurrent handler may create the cell first
                    RollupCell.objects.create(**key, value=delta)
            except IntegrityError:
                RollupCell.objects.filter(**key).update(value=F("value") + delta)

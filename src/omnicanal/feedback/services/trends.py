"""Trend alerts (docs/feedback.md, Trend alerts): the negative share of a store's or a topic's
feedback over the last TREND_WINDOW_DAYS against the window of the same length before it.

The rule (`jumped`): both windows hold at least TREND_MIN_COUNT items (a handful of posts is not a
trend, and no history is no baseline), and the current share is at least the previous one plus
TREND_JUMP (absolute, 0.15 = fifteen points) and at least TREND_RATIO times it. At most one alert a
day per store or topic; it stays on the console's feedback page until someone acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from omnicanal.core import clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import NotFound
from omnicanal.core.hours import zone
from omnicanal.core.local_time import business_zone_name
from omnicanal.feedback import config
from omnicanal.feedback.events import FeedbackTrendAlerted
from omnicanal.feedback.models import Feedback, SentimentLabel, TrendAlert


@dataclass(frozen=True)
class Window:
    count: int
    negative: int

    @property
    def share(self) -> float:
        return self.negative / self.count if self.count else 0.0


def jumped(current: Window, previous: Window) -> bool:
    minimum = int(config.get("TREND_MIN_COUNT"))
    if current.count < minimum or previous.count < minimum:
        return False
    return (current.share >= previous.share + float(config.get("TREND_JUMP"))
            and current.share >= previous.share * float(config.get("TREND_RATIO")))


def _tally(start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], Window]:
    totals: Counter = Counter()
    negatives: Counter = Counter()
    rows = Feedback.objects.filter(at__gte=start, at__lt=end).values_list("store", "topics", "sentiment")
    for store, item_topics, sentiment in rows.iterator():
        keys = [("topic", t) for t in (item_topics or [])] + ([("store", store)] if store else [])
        for key in keys:
            totals[key] += 1
            negatives[key] += sentiment == SentimentLabel.NEGATIVE
    return {key: Window(totals[key], negatives[key]) for key in totals}


def business_day(moment: dt.datetime) -> dt.date:
    """"Once a day" is the business's day (OMNICANAL["TIME_ZONE"]), not UTC's: in Santiago the UTC date
    turns at 20:00 or 21:00, and the evening's hourly check raised the same alerts again."""
    return moment.astimezone(zone(business_zone_name())).date()


def do_check_trends(*, now: dt.datetime | None = None) -> list[TrendAlert]:
    """Raises the alerts due now (the periodic task runs it hourly); returns the new ones."""
    now = now or clock.now()
    window = dt.timedelta(days=int(config.get("TREND_WINDOW_DAYS")))
    current, previous = _tally(now - window, now), _tally(now - 2 * window, now - window)
    raised = []
    for (dimension, key), found in sorted(current.items()):
        before = previous.get((dimension, key), Window(0, 0))
        if not jumped(found, before):
            continue
        try:
            with transaction.atomic():
                alert = TrendAlert.objects.create(
                    dimension=dimension, key=key[:40], period_start=now - window, period_end=now, day=business_day(now),
                    count=found.count, negative=found.negative, share=round(found.share, 4),
                    previous_count=before.count, previous_share=round(before.share, 4), created_at=now)
        except IntegrityError:  # already raised today
            continue
        outbox.emit(FeedbackTrendAlerted(alert_id=alert.public_id, dimension=dimension, key=alert.key,
                                         share=alert.share, previous_share=alert.previous_share))
        raised.append(alert)
    return raised


def do_acknowledge(*, alert_id: str, actor: Principal) -> TrendAlert:
    alert = TrendAlert.objects.select_for_update().filter(public_id=alert_id).first()
    if alert is None:
        raise NotFound(detail=f"No alert {alert_id}.")
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor.name[:100], clock.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert

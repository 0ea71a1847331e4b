"""Purchase cycles, learned per customer and category from their order history on every channel.

Pure functions over plain values (no database): queries.py hands them the history and the
catalog's categories, the reminder task and the recommendations read the answer.

- replenishable (energy gels): the interval is the median of the days between the customer's
  purchase days in that category, shrunk toward the category's default interval when the customer
  has few intervals: (n × median + PRIOR_WEIGHT × default) / (n + PRIOR_WEIGHT). The next purchase is
  due `interval` days after the last one; a reminder goes REMINDER_LEAD_DAYS before it.
- durable (bicycles): after a purchase the customer is suppressed from that category's promotions
  for the category's default interval (its expected life), else DURABLE_SUPPRESS_DAYS. Other
  categories (a helmet, a pump) are still welcome.
- one-off: nothing is due and nothing is suppressed; the product itself is not offered again
  (recommendations).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

ONE_OFF, DURABLE, REPLENISHABLE = "one_off", "durable", "replenishable"
PRIOR_WEIGHT = 2  # how many observed intervals the category's default is worth
DURABLE_SUPPRESS_DAYS = 365
REMINDER_LEAD_DAYS = 3
REMINDER_GRACE_DAYS = 14  # past due this long, a customer is no longer reminded (they buy elsewhere, or stopped)
SAME_PURCHASE = dt.timedelta(hours=12)  # orders this close are one purchase (a split basket)


@dataclass(frozen=True)
class CategoryInfo:
    slug: str
    cycle: str
    default_days: int | None


@dataclass(frozen=True)
class Cycle:
    category: str
    cycle: str  # one_off | durable | replenishable
    interval_days: float | None
    purchases: int  # distinct purchase days seen
    last_purchase_at: dt.datetime
    next_due_at: dt.datetime | None
    suppressed_until: dt.datetime | None

    def suppressed(self, at: dt.datetime) -> bool:
        return self.suppressed_until is not None and at < self.suppressed_until

    def reminder_due(self, at: dt.datetime) -> bool:
        """A replenishable cycle's reminder is due from REMINDER_LEAD_DAYS before the next purchase
        until REMINDER_GRACE_DAYS after it."""
        if self.cycle != REPLENISHABLE or self.next_due_at is None:
            return False
        lead = self.next_due_at - dt.timedelta(days=REMINDER_LEAD_DAYS)
        return lead <= at < self.next_due_at + dt.timedelta(days=REMINDER_GRACE_DAYS)


def purchase_days(times: Iterable[dt.datetime]) -> list[dt.datetime]:
    """The distinct purchases among these times (oldest first): orders within SAME_PURCHASE are one."""
    out: list[dt.datetime] = []
    for at in sorted(times):
        if not out or at - out[-1] >= SAME_PURCHASE:
            out.append(at)
    return out


def learned_interval(purchases: list[dt.datetime], default_days: int | None) -> float | None:
    """Days between purchases: the median interval shrunk toward the default."""
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(purchases, purchases[1:], strict=False)]
    if not gaps:
        return float(default_days) if default_days else None
    median = statistics.median(gaps)
    if not default_days:
        return median
    return (len(gaps) * median + PRIOR_WEIGHT * default_days) / (len(gaps) + PRIOR_WEIGHT)


def cycle_of(category: CategoryInfo, times: Iterable[dt.datetime]) -> Cycle | None:
    """The customer's cycle in one category from the times they bought in it (None: never)."""
    purchases = purchase_days(times)
    if not purchases:
        return None
    last = purchases[-1]
    if category.cycle == REPLENISHABLE:
        interval = learned_interval(purchases, category.default_days)
        due = last + dt.timedelta(days=interval) if interval else None
        return Cycle(category=category.slug, cycle=REPLENISHABLE, interval_days=interval, purchases=len(purchases),
                     last_purchase_at=last, next_due_at=due, suppressed_until=None)
    if category.cycle == DURABLE:
        days = float(category.default_days or DURABLE_SUPPRESS_DAYS)
        until = last + dt.timedelta(days=days)
        return Cycle(category=category.slug, cycle=DURABLE, interval_days=days, purchases=len(purchases),
                     last_purchase_at=last, next_due_at=until, suppressed_until=until)
    return Cycle(category=category.slug, cycle=ONE_OFF, interval_days=None, purchases=len(purchases),
                 last_purchase_at=last, next_due_at=None, suppressed_until=None)


def cycles_of(purchases: Iterable[tuple[str, dt.datetime]], categories: dict[str, CategoryInfo]) -> list[Cycle]:
    """Every category a customer bought in: (category slug, placed_at) pairs → their cycles, the
    most recently bought first. A category the catalog no longer knows counts as one-off."""
    times: dict[str, list[dt.datetime]] = {}
    for slug, at in purchases:
        times.setdefault(slug, []).append(at)
    out = [cycle_of(categories.get(slug) or CategoryInfo(slug=slug, cycle=ONE_OFF, default_days=None), found)
           for slug, found in times.items()]
    return sorted((c for c in out if c is not None), key=lambda c: c.last_purchase_at, reverse=True)

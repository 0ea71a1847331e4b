"""The fatigue governor's rule (docs/feedback.md, "The fatigue governor"): how often a customer may
be asked for their opinion, from how often they interact with the business on any channel.

A customer's interaction rate is the number of distinct days they interacted (an order, a pickup, a
conversation: feedback tallies them from those domains' events) over the time since their first
interaction in the look-back window, counting the first day as opening a period of a month:
rate = days / (days since the first + 30) × 30 per month. Their period is 30 / rate days; they may be
asked once per PERIODS_PER_SURVEY periods, clamped to [SURVEY_MIN_DAYS, SURVEY_MAX_DAYS] and never
within 7 days of the last time (a survey sent or the inbox's CSAT question, whichever came last).
A customer who never interacted gets the ceiling. Pure functions; the reads are in queries.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from omnicanal.feedback import config

MONTH_DAYS = 30


@dataclass(frozen=True)
class Budget:
    eligible: bool
    next_eligible_at: dt.datetime | None  # None: eligible now
    interactions_per_month: float
    interval_days: int  # how far apart this customer's surveys are
    last_contact_at: dt.datetime | None
    reason: str  # "never_asked" | "interval_passed" | "too_soon"


def interactions_per_month(interaction_days: list[dt.date], today: dt.date) -> float:
    if not interaction_days:
        return 0.0
    first = min(interaction_days)
    span = (today - first).days + MONTH_DAYS
    return round(len(set(interaction_days)) * MONTH_DAYS / span, 2)


def interval_days(rate: float) -> int:
    floor = max(int(config.get("SURVEY_MIN_DAYS")), config.NEVER_TWO_IN_DAYS)
    ceiling = max(int(config.get("SURVEY_MAX_DAYS")), floor)
    if rate <= 0:
        return ceiling
    wanted = round(config.get("PERIODS_PER_SURVEY") * MONTH_DAYS / rate)
    return min(max(wanted, floor), ceiling)


def decide(*, interaction_days: list[dt.date], last_contact_at: dt.datetime | None, now: dt.datetime) -> Budget:
    rate = interactions_per_month(interaction_days, now.date())
    interval = interval_days(rate)
    if last_contact_at is None:
        return Budget(True, None, rate, interval, None, "never_asked")
    next_at = last_contact_at + dt.timedelta(days=interval)
    if now >= next_at:
        return Budget(True, None, rate, interval, last_contact_at, "interval_passed")
    return Budget(False, next_at, rate, interval, last_contact_at, "too_soon")

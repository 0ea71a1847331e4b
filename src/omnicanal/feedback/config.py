"""Feedback's settings: settings.OMNICANAL["FEEDBACK"] over these defaults (docs/feedback.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The fatigue governor: one survey per PERIODS_PER_SURVEY interaction periods, never more often
    # than every SURVEY_MIN_DAYS (at least 7: never two surveys in a week) nor less than every
    # SURVEY_MAX_DAYS; the interaction rate is measured over the last INTERACTION_LOOKBACK_DAYS.
    "PERIODS_PER_SURVEY": 2,
    "SURVEY_MIN_DAYS": 7,
    "SURVEY_MAX_DAYS": 180,
    "INTERACTION_LOOKBACK_DAYS": 180,
    # Reviews: photos per review and their size; what "angry" means for the moderation queue.
    "REVIEW_PHOTOS_MAX": 4,
    "REVIEW_PHOTO_MAX_BYTES": 5 * 1024 * 1024,
    "REVIEW_TEXT_MAX": 4000,
    "ANGRY_MAX_RATING": 2,
    "ANGRY_SENTIMENT": -0.5,
    # How long a survey link works.
    "SURVEY_LINK_DAYS": 30,
    # Unsolicited feedback: a review of at most TICKET_MAX_RATING stars, or a negative text, from an
    # identified customer opens a ticket (category: its first topic, else FEEDBACK_CATEGORY), routed
    # to TICKET_TEAM when set (a team's slug: "Experiencia del cliente"), else by the inbox's rules.
    "TICKET_MAX_RATING": 2,
    "TICKET_TEAM": "",
    "FEEDBACK_TEXT_MAX": 4000,
    "CSV_MAX_ROWS": 5000,
    # Trend alerts (services.trends): the negative share of a store's or a topic's feedback over the
    # last TREND_WINDOW_DAYS against the window before it; both windows need TREND_MIN_COUNT items;
    # an alert when the share rose by TREND_JUMP (absolute) and is at least TREND_RATIO times the old one.
    "TREND_WINDOW_DAYS": 7,
    "TREND_MIN_COUNT": 10,
    "TREND_JUMP": 0.15,
    "TREND_RATIO": 1.5,
    # Review requests (services.triggers): asked the product's usage time after it reached the customer,
    # by category slug (a parent's value applies to its children), else the default; held while the
    # customer has an open conversation or the order an open return, looked at again every REVIEW_HOLD_HOURS.
    "REVIEW_USAGE_DAYS": {},
    "REVIEW_DEFAULT_USAGE_DAYS": 14,
    "REVIEW_HOLD_HOURS": 24,
    # Due survey sends and review requests sent per run of the worker's task (every 5 minutes).
    "DUE_BATCH": 500,
}
FEEDBACK_CATEGORY = "feedback"
NEVER_TWO_IN_DAYS = 7


def get(name: str) -> Any:
    return (settings.OMNICANAL.get("FEEDBACK") or {}).get(name, DEFAULTS[name])

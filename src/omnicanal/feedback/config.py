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
}
NEVER_TWO_IN_DAYS = 7


def get(name: str) -> Any:
    return (settings.OMNICANAL.get("FEEDBACK") or {}).get(name, DEFAULTS[name])

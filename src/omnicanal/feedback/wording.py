"""The feedback domain's words for its codes (core/labels.py)."""

from omnicanal.core import labels
from omnicanal.feedback.models import ContactKind, ReviewStatus, RewardKind, SendStatus, SurveyKind

labels.register("feedback.review_status", ReviewStatus.choices)
labels.register("feedback.contact_kind", ContactKind.choices)
labels.register("feedback.survey_kind", SurveyKind.choices)
labels.register("feedback.reward_kind", [(code, text) for code, text in RewardKind.choices if code])
labels.register("feedback.send_status", SendStatus.choices)

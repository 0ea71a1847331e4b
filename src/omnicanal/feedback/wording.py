"""The feedback domain's words for its codes (core/labels.py)."""

from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.feedback.models import (
    ContactKind,
    DueStatus,
    ReviewStatus,
    RewardKind,
    SendStatus,
    SurveyKind,
    TriggerEvent,
)

labels.register("feedback.review_status", ReviewStatus.choices)
labels.register("feedback.contact_kind", ContactKind.choices)
labels.register("feedback.survey_kind", SurveyKind.choices)
labels.register("feedback.reward_kind", [(code, text) for code, text in RewardKind.choices if code])
labels.register("feedback.send_status", SendStatus.choices)

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("feedback.field", {
    "author": pgettext_lazy("field", "Author"),
    "rating": pgettext_lazy("field", "Rating"),
    "questions": pgettext_lazy("field", "Questions"),
    "reward": pgettext_lazy("field", "Reward"),
    "trigger": pgettext_lazy("field", "Sent when"),
    "answers": pgettext_lazy("field", "Answers"),
    "answer": pgettext_lazy("field", "Answer"),
    "question": pgettext_lazy("field", "Question"),
    "event": pgettext_lazy("field", "Event"),
    "delay_hours": pgettext_lazy("field", "Delay (hours)"),
    "channel": pgettext_lazy("field", "Channel"),
    "curbside": pgettext_lazy("field", "Curbside only"),
    "active": pgettext_lazy("field", "Active"),
    "bot": pgettext_lazy("field", "Bot conversations only"),
    "store": pgettext_lazy("field", "Store"),
    "segment_id": pgettext_lazy("field", "Segment"),
    "order_id": pgettext_lazy("field", "Order"),
})
labels.register("feedback.trigger_event", TriggerEvent.choices)
labels.register("feedback.due_status", DueStatus.choices)
# Why a due send was skipped or held (DueSend.reason; services.triggers and delivery write them).
labels.register("feedback.due_reason", {
    "budget": pgettext_lazy("due reason", "asked too recently"),
    "cancelled": pgettext_lazy("due reason", "cancelled by staff"),
    "reviewed": pgettext_lazy("due reason", "already reviewed"),
    "inactive": pgettext_lazy("due reason", "survey inactive"),
    "gone": pgettext_lazy("due reason", "customer or survey gone"),
    "held_conversation": pgettext_lazy("due reason", "held: open conversation"),
    "held_return": pgettext_lazy("due reason", "held: return in progress"),
    "no_consent": pgettext_lazy("due reason", "no consent"),
    "no_channel": pgettext_lazy("due reason", "no channel took it"),
})


from omnicanal.feedback.models import SuggestionKind, SuggestionSource, SuggestionStatus  # noqa: E402

labels.register("feedback.suggestion_status", SuggestionStatus.choices)
labels.register("feedback.suggestion_kind", SuggestionKind.choices)
labels.register("feedback.suggestion_source", SuggestionSource.choices)
labels.register("feedback.suggestion.field", {
    "title": pgettext_lazy("field", "Title"),
    "text": pgettext_lazy("field", "Text"),
    "kind": pgettext_lazy("field", "Kind"),
    "status": pgettext_lazy("field", "Status"),
    "reply": pgettext_lazy("field", "Reply"),
    "into": pgettext_lazy("field", "Merge into"),
    "conversation_id": pgettext_lazy("field", "Conversation"),
})

# The tickets feedback opens are filed under a topic (its code, "-" for "_") or "feedback": named in
# conversations' ticket category vocabulary.
from omnicanal.feedback import config as _config  # noqa: E402
from omnicanal.feedback import topics as _topics  # noqa: E402

labels.register("conversations.ticket_category", {
    **{code.replace("_", "-"): text for code, text in _topics.LABELS.items()},
    _config.FEEDBACK_CATEGORY: pgettext_lazy("ticket category", "Feedback"),
})

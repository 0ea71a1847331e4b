"""The conversations domain's words for its codes (core/labels.py)."""

from django.utils.translation import pgettext_lazy

from omnicanal.conversations.contract import CHANNELS
from omnicanal.conversations.models import (
    Author,
    BotState,
    Delivery,
    Direction,
    Priority,
    Status,
    TicketStatus,
)
from omnicanal.core import labels

labels.register("conversations.status", Status.choices)
labels.register("conversations.priority", Priority.choices)
labels.register("conversations.direction", Direction.choices)
labels.register("conversations.author", Author.choices)
labels.register("conversations.bot", BotState.choices)
labels.register("conversations.delivery", Delivery.choices)
labels.register("conversations.ticket_status", TicketStatus.choices)
labels.register("conversations.channel", {name: spec.label for name, spec in CHANNELS.items()})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("conversations.field", {
    "assignee": pgettext_lazy("field", "Assignee"),
    "private": pgettext_lazy("field", "Private note"),
    "subject": pgettext_lazy("field", "Subject"),
    "team": pgettext_lazy("field", "Team"),
    "template": pgettext_lazy("field", "Template"),
    "text": pgettext_lazy("field", "Text"),
    "body": pgettext_lazy("field", "Message"),
    "until": pgettext_lazy("field", "Until"),
    "external_id": pgettext_lazy("field", "External id"),
    "shortcut": pgettext_lazy("field", "Shortcut"),
    "view": pgettext_lazy("field", "View"),
    "who": pgettext_lazy("field", "Who"),
    "conversation_id": pgettext_lazy("field", "Conversation"),
})
# A ticket's category: the words an agent typed, or a code another domain files tickets under (feedback
# adds its topics): shown as typed when no domain names it.
labels.register("conversations.ticket_category", {}, free_text=True)

"""The bot's words for its codes (core/labels.py): the intents it understands."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels

labels.register("bot.intent", {
    "order_status": _("Where is my order"),
    "store_stock": _("Stock in a store"),
    "store_hours": _("Store hours"),
    "start_return": _("Start a return"),
    "loyalty_balance": _("Points balance"),
    "human": _("Talk to a person"),
    "greeting": _("Greeting"),
    "thanks": _("Thanks"),
    "faq": _("Frequent question"),
    "other": pgettext_lazy("bot intent", "Not understood"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("bot.field", {
    "intents": pgettext_lazy("field", "Intents"),
    "intent": pgettext_lazy("field", "Intent"),
    "phrasings": pgettext_lazy("field", "Phrasings"),
    "greeting_es": pgettext_lazy("field", "Greeting (Spanish)"),
    "greeting_en": pgettext_lazy("field", "Greeting (English)"),
    "handoff_keywords": pgettext_lazy("field", "Hand-off keywords"),
    "min_confidence": pgettext_lazy("field", "Minimum confidence"),
    "negative_sentiment": pgettext_lazy("field", "Negative sentiment"),
})

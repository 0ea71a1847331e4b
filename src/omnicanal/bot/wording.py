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

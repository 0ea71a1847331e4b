"""The conversations domain's words for its codes (core/labels.py)."""

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

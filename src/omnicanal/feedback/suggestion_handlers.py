"""The suggestions box's reactions (imported by handlers.py): a status change tells the author and the
voters, in the worker (sending is slow work), once each (services.suggestions.notify_status_change)."""

from __future__ import annotations

from omnicanal.core import outbox
from omnicanal.feedback.events import SuggestionStatusChanged
from omnicanal.feedback.services import suggestions


@outbox.handles(SuggestionStatusChanged)
def tell_author_and_voters(event: outbox.Envelope) -> None:
    suggestions.notify_status_change(change_id=event["change_id"])

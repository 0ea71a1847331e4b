"""Notifications (imported by handlers.py): a suggestion's status change tells its author and voters
(services.suggestions.notify_status_change), a trend alert is emailed to the staff who opted in
(services.alert_mail); each once per person, whatever the retries."""

from __future__ import annotations

from omnicanal.core import outbox
from omnicanal.feedback.events import FeedbackTrendAlerted, SuggestionStatusChanged
from omnicanal.feedback.services import suggestions


@outbox.handles(SuggestionStatusChanged)
def tell_author_and_voters(event: outbox.Envelope) -> None:
    suggestions.notify_status_change(change_id=event["change_id"])


@outbox.handles(FeedbackTrendAlerted)
def mail_the_alert(event: outbox.Envelope) -> None:
    """Managers and marketers who opted in get the trend alert by email (services.alert_mail)."""
    from omnicanal.feedback.services import alert_mail

    alert_mail.notify_alert(alert_id=event["alert_id"])

"""Email to staff members (not customers): through Django's email backend (settings EMAIL_*), after
the caller's transaction commits. No conversation is created: staff mail is the shop writing to its
own people (the weekly KPI summary), not part of any customer's thread (channels/notifier.py is)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

log = logging.getLogger(__name__)


def _send(to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the backend's errors vary (smtplib, OSError); a lost summary must not break the caller
        log.exception("staff email to %s failed", to)


def send_staff_email(*, to: str, subject: str, text: str, html: str) -> None:
    """Send a multipart (text + HTML) email to a staff address once the current transaction commits
    (at once outside one)."""
    transaction.on_commit(lambda: _send(to, subject, text, html))

"""Background work of the channels app: fetching provider-held media, polling IMAP mailboxes."""

from __future__ import annotations

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from omnicanal.channels.base import SendFailed

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def fetch_attachment(attachment_id: str) -> bool:
    from omnicanal.channels.services import do_fetch_attachment

    try:
        return do_fetch_attachment(attachment_id=attachment_id)
    except SendFailed as exc:
        if exc.permanent:
            log.warning("attachment %s cannot be fetched: %s", attachment_id, exc.reason)
            return False
        raise


def poll_inbox(inbox) -> int:
    from omnicanal.channels.base import Parsed
    from omnicanal.channels.email import imap
    from omnicanal.channels.email.adapter import from_mime
    from omnicanal.channels.services import do_store_webhook

    def handle(raw: bytes) -> None:
        message = from_mime(raw, inbox)
        if message is None:
            return
        with transaction.atomic():
            do_store_webhook(inbox=inbox, parsed=Parsed(messages=[message]))

    return imap.poll(inbox.config, handle)


@db_periodic_task(crontab(minute="*"))
def poll_imap() -> int:
    """Every email inbox with an IMAP host is polled each minute."""
    from omnicanal.channels.models import Inbox

    total = 0
    for inbox in Inbox.objects.filter(channel="email", active=True):
        if not inbox.config.get("imap_host"):
            continue
        try:
            total += poll_inbox(inbox)
        except Exception:  # one broken mailbox must not stop the others
            log.exception("IMAP poll of inbox %s failed", inbox.public_id)
    return total


@db_periodic_task(crontab(minute="23", hour="4"))
def purge_webchat_devices() -> int:
    """Daily: forget web chat devices whose every token has expired."""
    from omnicanal.channels.webchat.sessions import do_purge_devices

    with transaction.atomic():
        return do_purge_devices()

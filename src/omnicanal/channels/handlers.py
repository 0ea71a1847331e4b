"""Reactions of the channels app: delivering what conversations queued, and transactional
notifications for other domains' events (subscribed by topic name)."""

from __future__ import annotations

from omnicanal.channels.services import do_deliver
from omnicanal.core import outbox

# A web chat reply is pushed to the visitor's socket: it must run in the web process that holds the
# socket (the in-memory channel layer does not cross processes). Everything else is network work
# for the worker.
REALTIME = {"webchat"}


@outbox.handles("conversations.MessageSent")
def deliver_realtime(event: outbox.Envelope) -> None:
    if event["channel"] in REALTIME:
        do_deliver(message_id=event["message_id"])


@outbox.handles("conversations.MessageSent", background=True)
def deliver_remote(event: outbox.Envelope) -> None:
    if event["channel"] not in REALTIME:
        do_deliver(message_id=event["message_id"])


from omnicanal.channels import notifier  # noqa: E402,F401  (registers the notification handlers)

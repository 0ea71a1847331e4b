from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.channels import roles
from omnicanal.core.console import NavItem


class ChannelsConfig(AppConfig):
    """Channel adapters. The label is not "channels": Django Channels (the WebSocket library) has it;
    discovery finds this config by its module name, and the console's URLs live under /console/channels/."""

    name = "omnicanal.channels"
    label = "channel_adapters"
    verbose_name = _("Channels")
    console_nav = [NavItem("channels:inboxes", _("Channels"), roles=roles.CONFIGURE, order=90, group="inbox")]

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from omnicanal.channels import queries, services, tasks
        from omnicanal.channels.models import Inbox

        services.fetch_with(tasks.fetch_attachment)
        # Files of messages the worker stores from kept webhook deliveries (conversations/services/accept.py).
        from omnicanal.conversations.services import accept

        accept.fetch_media_with(services.fetch_later)
        # The shop's memoized web chat inbox (channels.queries.SHOP_INBOX): any write of an inbox forgets it.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(queries.SHOP_INBOX.forget, sender=Inbox, weak=False, dispatch_uid=f"memo-inbox-{name}")
            signal.connect(queries.WEBHOOK_INBOXES.forget, sender=Inbox, weak=False,
                           dispatch_uid=f"memo-webhook-inboxes-{name}")

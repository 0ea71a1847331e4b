from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem


class ConversationsConfig(AppConfig):
    name = "omnicanal.conversations"
    label = "conversations"
    verbose_name = _("Conversations")
    console_nav = [
        NavItem("conversations:inbox", _("Inbox"), roles=("agent", "manager", "store_staff"), order=5, group="inbox"),
        NavItem("conversations:tickets", _("Tickets"), roles=("agent", "manager"), order=6, group="inbox"),
        # The channels app's own config cannot be found by discovery (Django Channels has its label).
        NavItem("channels:inboxes", _("Channels"), roles=("manager",), order=90, group="inbox"),
    ]

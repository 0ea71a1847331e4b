from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.conversations import roles
from omnicanal.core.console import NavItem


class ConversationsConfig(AppConfig):
    name = "omnicanal.conversations"
    label = "conversations"
    verbose_name = _("Conversations")
    console_nav = [
        NavItem("conversations:inbox", _("Inbox"), roles=roles.ANSWER, order=5, group="inbox"),
        NavItem("conversations:tickets", _("Tickets"), roles=roles.ANSWER, order=6, group="inbox"),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.bot import roles
from omnicanal.core.console import NavItem


class BotConfig(AppConfig):
    """The bot: understands customers on every messaging channel and hands over to a person (docs/bot.md)."""

    name = "omnicanal.bot"
    label = "bot"
    verbose_name = _("Bot")
    console_nav = [
        NavItem("bot:settings", _("Bot"), roles=roles.READ, order=7, group="inbox"),
    ]

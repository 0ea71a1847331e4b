from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.loyalty import roles


class LoyaltyConfig(AppConfig):
    name = "omnicanal.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")
    console_nav = [
        NavItem("loyalty:list", _("Loyalty"), roles=roles.READ, order=40, group="loyalty"),
    ]

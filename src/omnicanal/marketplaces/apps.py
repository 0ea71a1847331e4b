from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.marketplaces import roles


class MarketplacesConfig(AppConfig):
    name = "omnicanal.marketplaces"
    label = "marketplaces"
    verbose_name = _("Marketplaces")
    console_nav = [
        NavItem("marketplaces:accounts", _("Marketplaces"), roles=roles.READ, order=91, group="integrations"),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.inventory import roles


class InventoryConfig(AppConfig):
    name = "omnicanal.inventory"
    label = "inventory"
    verbose_name = _("Inventory")
    console_nav = [
        NavItem("inventory:grid", _("Stock"), roles=roles.READ, order=30, group="inventory"),
        NavItem("inventory:transfers", _("Transfers"), roles=roles.STOCK_WRITE, order=31, group="inventory"),
    ]

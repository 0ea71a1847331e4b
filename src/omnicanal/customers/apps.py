from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.customers import roles


class CustomersConfig(AppConfig):
    name = "omnicanal.customers"
    label = "customers"
    verbose_name = _("Customers")
    console_nav = [
        NavItem("customers:list", _("Customers"), roles=roles.READ, order=10, group="customers"),
        NavItem("customers:duplicates", _("Duplicates"), roles=roles.MERGE, order=11, group="customers"),
    ]

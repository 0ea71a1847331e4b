from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem


class CustomersConfig(AppConfig):
    name = "omnicanal.customers"
    label = "customers"
    verbose_name = _("Customers")
    console_nav = [
        NavItem("customers:list", _("Customers"), roles=("agent", "store_staff", "manager", "marketer"), order=10, group="customers"),
        NavItem("customers:duplicates", _("Duplicates"), roles=("agent", "manager"), order=11, group="customers"),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem


class CatalogConfig(AppConfig):
    name = "omnicanal.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    console_nav = [
        NavItem("catalog:list", _("Catalog"), roles=("manager", "marketer", "store_staff", "agent"), order=20, group="catalog"),
        NavItem("catalog:consistency", _("Consistency"), roles=("manager", "marketer"), order=21, group="catalog"),
    ]

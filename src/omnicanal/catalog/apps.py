from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.catalog import roles
from omnicanal.core.console import NavItem


class CatalogConfig(AppConfig):
    name = "omnicanal.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    console_nav = [
        NavItem("catalog:list", _("Catalog"), roles=roles.READ, order=20, group="catalog"),
        NavItem("catalog:consistency", _("Consistency"), roles=roles.CONSISTENCY, order=21, group="catalog"),
    ]

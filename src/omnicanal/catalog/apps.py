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

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from omnicanal.catalog import search
        from omnicanal.catalog.models import Category

        # The memoized category tree (catalog.search.CATEGORIES): any write of a category forgets it.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(search.CATEGORIES.forget, sender=Category, weak=False, dispatch_uid=f"memo-category-{name}")

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

        from omnicanal.catalog import queries, search
        from omnicanal.catalog.models import Brand, Category, Listing, Product, Variant

        # The memoized category tree (catalog.search.CATEGORIES): any write of a category forgets it;
        # the facet counts (search.FACET_COUNTS): any write of what a listing counts.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(search.CATEGORIES.forget, sender=Category, weak=False, dispatch_uid=f"memo-category-{name}")
            for model in (Product, Category):  # queries.REPLENISHABLE: which products are replenishable
                signal.connect(queries.REPLENISHABLE.forget, sender=model, weak=False,
                               dispatch_uid=f"memo-replenishable-{model.__name__}-{name}")
            for model in (Product, Variant, Listing, Brand, Category):
                signal.connect(search.FACET_COUNTS.forget, sender=model, weak=False,
                               dispatch_uid=f"memo-facets-{model.__name__}-{name}")

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

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from omnicanal.inventory import queries
        from omnicanal.inventory.models import Location, LocationChannel, LocationHoliday

        # The memoized pickup stores (inventory.queries.PICKUP_LOCATIONS) and their places with hours
        # and holidays (PICKUP_PLACES): any write of a location, of its channel links or of its
        # holidays forgets them. Stock is in neither.
        for model in (Location, LocationChannel, LocationHoliday):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(queries.PICKUP_PLACES.forget, sender=model, weak=False,
                               dispatch_uid=f"memo-pickup-place-{model.__name__}-{name}")
                if model is not LocationHoliday:
                    signal.connect(queries.PICKUP_LOCATIONS.forget, sender=model, weak=False,
                                   dispatch_uid=f"memo-pickup-{model.__name__}-{name}")

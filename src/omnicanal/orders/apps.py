from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem


class OrdersConfig(AppConfig):
    name = "omnicanal.orders"
    label = "orders"
    verbose_name = _("Orders")
    console_nav = [
        NavItem("orders:list", _("Orders"), roles=("manager", "store_staff", "agent"), order=40, group="orders"),
        NavItem("orders:pos", _("POS"), roles=("manager", "store_staff"), order=41, group="orders"),
        NavItem("orders:pickups", _("Pickups"), roles=("manager", "store_staff"), order=42, group="orders"),
        NavItem("orders:returns_desk", _("Returns"), roles=("manager", "store_staff"), order=43, group="orders"),
        NavItem("orders:disputes", _("Disputes"), roles=("manager", "agent"), order=44, group="orders"),
    ]

    def ready(self) -> None:
        from omnicanal.orders import webpay  # noqa: F401  registers the Webpay provider (providers.register)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.orders import roles


class OrdersConfig(AppConfig):
    name = "omnicanal.orders"
    label = "orders"
    verbose_name = _("Orders")
    # orders.roles: the same rights as the pages behind them (views.py) and the API
    console_nav = [
        NavItem("orders:list", _("Orders"), roles=roles.console(roles.READERS), order=40, group="orders"),
        NavItem("orders:pos", _("POS"), roles=roles.console(roles.FLOOR), order=41, group="orders"),
        NavItem("orders:pickups", _("Pickups"), roles=roles.console(roles.FLOOR), order=42, group="orders"),
        NavItem("orders:returns_desk", _("Returns"), roles=roles.console(roles.FLOOR), order=43, group="orders"),
        NavItem("orders:disputes", _("Disputes"), roles=roles.DISPUTE_READERS, order=44, group="orders"),
    ]

    def ready(self) -> None:
        from omnicanal.core import crypto
        from omnicanal.orders import oneclick, webpay  # noqa: F401  register their providers (providers.register)

        crypto.register_encrypted_text("orders.StoredCard", "tbk_user")  # rotate-secrets re-encrypts it too

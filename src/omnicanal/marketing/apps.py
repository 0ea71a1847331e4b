from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.marketing import roles


class MarketingConfig(AppConfig):
    name = "omnicanal.marketing"
    label = "marketing"
    verbose_name = _("Marketing")
    console_nav = [
        NavItem("marketing:home", _("Marketing"), roles=roles.READ, order=65, group="marketing"),
        NavItem("marketing:subscriptions", _("Subscriptions"), roles=roles.SUBSCRIBE, order=66, group="marketing"),
    ]

    def ready(self) -> None:
        # Fill the lower domains' registries (the shop's recommendations, the 360's panel): they
        # never import marketing.
        from omnicanal.marketing import hooks, subscription_hooks  # noqa: F401

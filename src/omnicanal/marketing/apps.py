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
        from django.db.models.signals import post_delete, post_save

        from omnicanal.marketing import hooks, subscription_hooks  # noqa: F401
        from omnicanal.marketing.flow_shop import BACK_IN_STOCK_ON
        from omnicanal.marketing.models import Flow

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(BACK_IN_STOCK_ON.forget, sender=Flow, weak=False,
                           dispatch_uid=f"marketing.back_in_stock_on.{name}")

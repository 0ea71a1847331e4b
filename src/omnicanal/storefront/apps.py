from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """The customer's own side: the shop at /, the account, tracking and the Store API (docs/storefront.md)."""

    name = "omnicanal.storefront"
    label = "storefront"
    verbose_name = _("Shop")

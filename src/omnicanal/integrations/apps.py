from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.integrations import roles


class IntegrationsConfig(AppConfig):
    name = "omnicanal.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
    console_nav = [
        NavItem("integrations:webhooks", _("Webhooks"), roles=roles.READ, order=90, group="integrations"),
    ]

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

    def ready(self) -> None:
        from omnicanal.core import crypto

        # Endpoint secrets are encrypted by hand (services): rotate-secrets re-encrypts them too.
        crypto.register_encrypted_text("integrations.WebhookEndpoint", "secret")
        crypto.register_encrypted_text("integrations.WebhookEndpoint", "previous_secret")

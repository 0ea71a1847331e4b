"""The channels domain's words for its codes (core/labels.py)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.channels.models import ChannelKind
from omnicanal.core import labels

labels.register("channels.kind", ChannelKind.choices)

# An inbox's settings (views.CONFIG_KEYS): the words first, the provider's own key beside them
# (marked translate="no"), since that is what the provider's dashboard calls it.
labels.register("channels.config_key", {
    "base_url": _("Provider base URL"),
    "api_version": _("API version"),
    "phone_number_id": _("Phone number id"),
    "access_token": _("Access token"),
    "app_secret": _("App secret"),
    "verify_token": _("Verification token"),
    "templates": _("Approved templates (JSON)"),
    "bot_token": _("Bot token"),
    "secret_token": _("Webhook secret token"),
    "account_sid": _("Account SID"),
    "auth_token": _("Auth token"),
    "from_number": _("Sender number"),
    "messaging_service_sid": _("Messaging service SID"),
    "webhook_url": _("Webhook URL to sign"),
    "status_callback_url": _("Delivery status URL"),
    "from_address": _("Sender address"),
    "from_name": _("Sender name"),
    "smtp_host": _("SMTP server"),
    "smtp_port": _("SMTP port"),
    "smtp_username": _("SMTP user"),
    "smtp_password": _("SMTP password"),
    "smtp_starttls": _("SMTP with STARTTLS"),
    "smtp_ssl": _("SMTP with SSL"),
    "webhook_secret": _("Webhook secret"),
    "imap_host": _("IMAP server"),
    "imap_port": _("IMAP port"),
    "imap_username": _("IMAP user"),
    "imap_password": _("IMAP password"),
    "imap_ssl": _("IMAP with SSL"),
    "imap_folder": _("IMAP folder"),
    "identity_secret": _("Identity verification secret"),
    "greeting": _("Greeting"),
    "offline_message": _("Message when nobody is online"),
    "allowed_origins": _("Allowed sites (JSON list)"),
    "api_key": _("API key"),
    "account_id": _("Account id"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("channels.field", {
    "allow_description_override": pgettext_lazy("field", "Allow own description"),
    "allow_title_override": pgettext_lazy("field", "Allow own title"),
    "mirror_reference": pgettext_lazy("field", "Mirror reference"),
    "price_above_pct": pgettext_lazy("field", "Price at most above (%)"),
    "price_below_pct": pgettext_lazy("field", "Price at most below (%)"),
    "publish_by_default": pgettext_lazy("field", "Publish by default"),
})

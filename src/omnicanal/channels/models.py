"""Tables of the channels domain: the inboxes (one provider account each) and their settings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core.crypto import EncryptedSecretsJSONField
from omnicanal.core.ids import PublicIdField

# Config keys that hold secrets (provider tokens, webhook secrets): stored encrypted (core.crypto),
# masked on screen, never logged.
SECRET_KEYS = frozenset({"access_token", "app_secret", "verify_token", "bot_token", "secret_token", "auth_token",
                         "smtp_password", "imap_password", "webhook_secret", "identity_secret", "api_key"})


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    SMS = "sms", _("SMS")
    WEBCHAT = "webchat", _("Web chat")
    VOICE = "voice", _("Phone call")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Messenger")


class Inbox(models.Model):
    """One account at one provider: its base URL, tokens and secrets live in `config` (secrets encrypted)."""

    public_id = PublicIdField(prefix="inb")
    channel = models.CharField(_("channel"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    config = EncryptedSecretsJSONField(_("settings"), default=dict, blank=True, secret_keys=SECRET_KEYS)
    active = models.BooleanField(_("active"), default=True)
    team = models.CharField(_("team"), max_length=50, blank=True, default="")  # a conversations team slug
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["channel", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=ChannelKind.values), name="inbox_channel_known"),
        ]
        indexes = [models.Index(fields=["channel", "active"], name="inbox_channel_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"


class WebchatDevice(models.Model):
    """A web chat device's token generation, written at its first rotation (a visitor who never
    comes back writes nothing). Tokens of older generations are refused (channels/webchat/sessions.py)."""

    device_id = models.CharField(max_length=64, unique=True)
    generation = models.PositiveIntegerField()
    rotated_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("web chat device")

"""Inbox secrets (provider tokens, webhook secrets) encrypted at rest (core.crypto).

The data step runs on the plain JSON field: it seals every plain-text secret already stored, and on
the way back opens them again (reversible while the encryption key is at hand).
"""

from django.db import migrations

import omnicanal.core.crypto

SECRET_KEYS = ["access_token", "api_key", "app_secret", "auth_token", "bot_token", "identity_secret", "imap_password",
               "secret_token", "smtp_password", "verify_token", "webhook_secret"]


def _rewrite(apps, change) -> None:
    Inbox = apps.get_model("channel_adapters", "Inbox")
    for inbox in Inbox.objects.all().only("pk", "config"):
        config = dict(inbox.config or {})
        changed = {k: change(v) for k, v in config.items() if k in SECRET_KEYS and isinstance(v, str) and v}
        if any(config[k] != v for k, v in changed.items()):
            Inbox.objects.filter(pk=inbox.pk).update(config={**config, **changed})


def encrypt_plain_secrets(apps, schema_editor) -> None:
    crypto = omnicanal.core.crypto
    _rewrite(apps, lambda v: v if crypto.is_encrypted(v) else crypto.encrypt(v))


def decrypt_secrets(apps, schema_editor) -> None:
    crypto = omnicanal.core.crypto

    def opened(value: str) -> str:
        plain = crypto.decrypt(value)
        return value if isinstance(plain, crypto.Unreadable) else plain

    _rewrite(apps, opened)


class Migration(migrations.Migration):

    dependencies = [
        ("channel_adapters", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(encrypt_plain_secrets, decrypt_secrets, elidable=False),
        migrations.AlterField(
            model_name="inbox",
            name="config",
            field=omnicanal.core.crypto.EncryptedSecretsJSONField(blank=True, default=dict, secret_keys=SECRET_KEYS,
                                                                  verbose_name="settings"),
        ),
    ]

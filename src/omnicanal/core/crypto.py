"""Secrets at rest: channel secrets and provider tokens are stored encrypted, never in plain text.

Fernet (AES-128-CBC with an HMAC-SHA256, versioned and timestamped tokens, from `cryptography`)
under keys from settings:

- `settings.ENCRYPTION_KEYS` (env `OMNICANAL_ENCRYPTION_KEY`, comma-separated): the first key
  encrypts, every key decrypts. A key is a Fernet key (44 url-safe base64 characters, as
  `omnicanal rotate-secrets --new-key` prints) or any long random string, stretched with HKDF-SHA256.
- None configured: keys are derived with HKDF-SHA256 from SECRET_KEY (encrypts) and then each of
  SECRET_KEY_FALLBACKS (decrypt), so rotating SECRET_KEY the Django way keeps secrets readable.

Rotation: put the new key first and keep the old one after it, run `omnicanal rotate-secrets`
(every stored secret is re-encrypted under the first key), then drop the old key.

A stored secret is "fernet:" + the token. A value without that prefix is plain text written before
encryption existed: it is read as is and encrypted on its next save (migrations encrypt them all).
A token no configured key opens reads as an empty secret (every signature check refuses an empty
secret) and is written back unchanged, so a missing key loses nothing.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)

PREFIX = "fernet:"
_HKDF_SALT = b"omnicanal"
_HKDF_INFO = b"omnicanal secrets at rest v1"
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")  # 32 bytes, url-safe base64


class Unreadable(str):
    """A stored secret that no configured key opens: reads as "", writes back its stored token."""

    stored: str

    def __new__(cls, stored: str) -> Unreadable:
        value = super().__new__(cls, "")
        value.stored = stored
        return value


def derive_key(material: str) -> bytes:
    """A Fernet key from any string (HKDF-SHA256); a string that already is a Fernet key is kept."""
    if _FERNET_KEY.fullmatch(material):
        return material.encode()
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(material.encode())
    return base64.urlsafe_b64encode(raw)


def new_key() -> str:
    return Fernet.generate_key().decode()


def _materials() -> tuple[str, ...]:
    configured = [str(k) for k in getattr(settings, "ENCRYPTION_KEYS", None) or [] if str(k).strip()]
    if configured:
        return tuple(configured)
    return (settings.SECRET_KEY, *[str(k) for k in getattr(settings, "SECRET_KEY_FALLBACKS", []) or []])


@functools.lru_cache(maxsize=8)
def _fernet_for(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(m)) for m in materials])


def _fernet() -> MultiFernet:
    return _fernet_for(_materials())


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain text of a stored value (plain text passes through); Unreadable("") if no key opens it."""
    if not is_encrypted(stored):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        log.error("a stored secret could not be decrypted with the configured encryption keys")
        return Unreadable(stored)


def seal(value: object) -> object:
    """What to store for a secret value: the token (encrypted under the first key) or the value as is."""
    if isinstance(value, Unreadable):
        return value.stored
    if isinstance(value, str) and value:
        return encrypt(value)
    return value


class EncryptedSecretsJSONField(models.JSONField):
    """A JSON object whose values under `secret_keys` are stored encrypted; read back in plain text.

    Other keys stay plain JSON (readable and queryable). Encryption happens as the value is written
    (save, update, bulk_create), so code reads and writes the dictionary as if nothing were sealed.
    """

    def __init__(self, *args, secret_keys: Iterable[str] = (), **kwargs):
        self.secret_keys = frozenset(secret_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["secret_keys"] = sorted(self.secret_keys)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            return {k: decrypt(v) if k in self.secret_keys else v for k, v in value.items()}
        return value

    def get_db_prep_save(self, value, connection):
        if isinstance(value, dict):
            value = {k: seal(v) if k in self.secret_keys else v for k, v in value.items()}
        return super().get_db_prep_save(value, connection)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedSecretsJSONField]]:
    """Every (model, field) of the installed apps that holds sealed secrets."""
    from django.apps import apps

    return [(model, field) for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, EncryptedSecretsJSONField)]


# Text columns holding one value encrypted by hand (encrypt()/decrypt()), as ("app_label.Model",
# "field"); each app registers its own in AppConfig.ready so rotate-secrets re-encrypts them too.
ENCRYPTED_TEXT: set[tuple[str, str]] = set()


def register_encrypted_text(model_label: str, field: str) -> None:
    ENCRYPTED_TEXT.add((model_label, field))


def encrypted_text_fields() -> list[tuple[type[models.Model], str]]:
    from django.apps import apps

    return [(apps.get_model(label), field) for label, field in sorted(ENCRYPTED_TEXT)]


def unreadable_keys(value: object) -> list[str]:
    return [k for k, v in value.items() if isinstance(v, Unreadable)] if isinstance(value, dict) else []

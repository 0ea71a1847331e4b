"""Identity values in one canonical form, so one person is one (kind, value) whatever the channel.

- phone and whatsapp: E.164, read with the business's default region (settings.OMNICANAL["COUNTRY"]):
  "9 8765 4321", "+56987654321" and "56 9 8765-4321" are all "+56987654321".
- email: validated (syntax only, no DNS) and lower-cased whole.
- every other kind (telegram, webchat, app_device, loyalty_card, pos_customer, marketplace,
  instagram, facebook): the value as given, trimmed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from omnicanal.customers.models import ContactChannel, IdentityKind

PHONE_KINDS = frozenset({IdentityKind.PHONE.value, IdentityKind.WHATSAPP.value})
# Kinds a visitor has before saying who they are: many per person and nothing personal in them.
ANONYMOUS_KINDS = frozenset({IdentityKind.WEBCHAT.value, IdentityKind.APP_DEVICE.value})
KINDS = frozenset(IdentityKind.values)
MAX_VALUE = 200
_DIGITS = re.compile(r"\D+")


class InvalidIdentity(ValueError):
    """The value cannot be an identifier of that kind; `message` says why (translatable)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def default_region() -> str:
    return settings.OMNICANAL.get("COUNTRY", "CL")


def normalize(kind: str, value: str) -> str:
    if kind not in KINDS:
        raise InvalidIdentity(_("unknown identity kind"))
    if not isinstance(value, str):
        raise InvalidIdentity(_("must be text"))
    return _normalize(kind, value.strip(), default_region())


@lru_cache(maxsize=65536)
def _normalize(kind: str, value: str, region: str) -> str:
    if not value:
        raise InvalidIdentity(_("must not be empty"))
    if len(value) > MAX_VALUE:
        raise InvalidIdentity(_("is too long"))
    if kind in PHONE_KINDS:
        return normalize_phone(value, region)
    if kind == IdentityKind.EMAIL:
        return normalize_email(value)
    return value


def normalize_phone(value: str, region: str | None = None) -> str:
    region = region or default_region()
    candidates = [value]
    digits = _DIGITS.sub("", value)
    if digits and not value.lstrip().startswith("+"):
        # WhatsApp ids and many forms come as "56987654321" without the plus sign; an old trunk
        # prefix ("09 8765 4321") is also still typed.
        candidates += [f"+{digits}", digits.lstrip("0")]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidIdentity(_("is not a valid phone number"))


def normalize_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidIdentity(_("is not a valid email address")) from exc
    return result.normalized.lower()


def try_normalize(kind: str, value: str) -> str | None:
    try:
        return normalize(kind, value)
    except InvalidIdentity:
        return None


def phone_digits(value: str) -> str:
    return _DIGITS.sub("", value)


# Other domains name contact channels their own way; these are the same channel.
CHANNEL_ALIASES = {"phone": "voice", "call": "voice", "app": "push", "chat": "webchat", "mail": "email"}


def contact_channel(channel: str) -> str | None:
    """The contact channel a name stands for ("phone" is a voice call), or None when unknown."""
    channel = CHANNEL_ALIASES.get(channel, channel)
    return channel if channel in ContactChannel.values else None

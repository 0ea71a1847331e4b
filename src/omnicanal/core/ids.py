"""Public identifiers: short prefixed strings (`cus_…`, `ord_…`), sortable by creation time.

48 bits of milliseconds and 80 random bits in Crockford base32: unguessable across tenants of data,
and new rows land at the end of the index.
"""

import re
import secrets
import time

from django.db import models

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_PREFIX = re.compile(r"^[a-z]{2,5}$")


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad id prefix {prefix!r}")
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(80), 16)}"


def has_prefix(value: str, prefix: str) -> bool:
    return isinstance(value, str) and value.startswith(prefix + "_") and len(value) == len(prefix) + 27


class PublicIdField(models.CharField):
    """A unique, prefixed public id filled in on first save."""

    def __init__(self, *args, prefix: str, **kwargs):
        if not _PREFIX.match(prefix):
            raise ValueError(f"bad id prefix {prefix!r}")
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        # unique=True is this field's default: spell out only the exception (a model that declares
        # its uniqueness as a constraint), or migrations could not tell the two apart.
        if self.unique:
            kwargs.pop("unique", None)
        else:
            kwargs["unique"] = False
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if not value:
            value = new_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value

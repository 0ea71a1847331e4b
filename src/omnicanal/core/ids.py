"""Public identifiers: short prefixed strings (`cus_…`, `ord_…`), sortable by creation time.

48 bits of milliseconds and 80 random bits in Crockford base32: unguessable across tenants of data,
and new rows land at the end of the index.
"""

import os
import re
import threading
import time

from django.db import models

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_PREFIX = re.compile(r"^[a-z]{2,5}$")


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # ten bits at a time: half the steps


def _base32(value: int, length: int) -> str:
    """`value` in `length` (even) Crockford base32 digits, most significant first."""
    pairs = []
    for _ in range(length // 2):
        value, rem = divmod(value, 1024)
        pairs.append(_PAIRS[rem])
    return "".join(reversed(pairs))


class _RandomBits:
    """80-bit draws from the kernel's CSPRNG, read 4 KiB at a time instead of one getrandom call per
    id (a hot path makes thousands a second). A forked child starts with an empty buffer, so two
    processes never hand out the same bytes; a lock keeps two threads from drawing the same ones."""

    _SIZE = 4096

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.buffer, self.offset = b"", 0

    def draw80(self) -> int:
        with self.lock:
            if self.offset + 10 > len(self.buffer):
                self.buffer, self.offset = os.urandom(self._SIZE), 0
            chunk = self.buffer[self.offset:self.offset + 10]
            self.offset += 10
        return int.from_bytes(chunk, "big")

    def digits16(self) -> str:
        """80 random bits as 16 Crockford digits: 16 bytes, 5 bits of each (a byte's low 5 bits are
        uniform), renamed by one C translate instead of 8 divmods in Python (issue 23)."""
        with self.lock:
            if self.offset + 16 > len(self.buffer):
                self.buffer, self.offset = os.urandom(self._SIZE), 0
            chunk = self.buffer[self.offset:self.offset + 16]
            self.offset += 16
        return chunk.translate(_DIGIT_OF_BYTE).decode()


_DIGIT_OF_BYTE = bytes(_ALPHABET.encode()[b & 31] for b in range(256))
_random = _RandomBits()
# The time part of the last millisecond an id was made in: a busy process makes several per millisecond.
_last_time: tuple[int, str] = (-1, "")


def new_id(prefix: str) -> str:
    global _last_time
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad id prefix {prefix!r}")
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    last = _last_time
    if last[0] != millis:
        last = _last_time = (millis, _base32(millis, 10))
    # The time's 10 digits (48 bits), then 16 random digits (80 bits).
    return f"{prefix}_{last[1]}{_random.digits16()}"


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


def external_key(value: str, max_length: int = 255) -> str:
    """Another system's id as we store and look it up: itself when it fits the column, else
    "sha256:" + its hex SHA-256 (71 characters). Used both when storing and when looking up, so an
    id of any length is de-duplicated (a truncated id would miss its replay)."""
    if len(value) <= max_length:
        return value
    import hashlib

    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()

"""Small validation rules of the catalog, shared by the services, the CSV import and the API."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.text import slugify

from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import CurrencyError, Money, business_currency, to_decimal

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
GTIN_LENGTHS = {8, 12, 13, 14}
ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def gtin_is_valid(value: str) -> bool:
    """GS1 mod-10 check digit over GTIN-8/12/13/14 (EAN, UPC)."""
    if not value.isdigit() or len(value) not in GTIN_LENGTHS:
        return False
    digits = [int(c) for c in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def check_sku(value: str, field: str = "sku") -> str:
    value = (value or "").strip()
    if not SKU.match(value):
        raise ValidationFailed.on(field, "must be 1-64 letters, digits, '.', '_' or '-'")
    return value


def check_gtin(value: str | None, field: str = "gtin") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not gtin_is_valid(value):
        raise ValidationFailed.on(field, "is not a valid GTIN (8, 12, 13 or 14 digits with a check digit)")
    return value


def check_attributes(value: dict | None, field: str = "attributes") -> dict:
    value = value or {}
    clean = {}
    for key, item in value.items():
        if not ATTRIBUTE_KEY.match(str(key)):
            raise ValidationFailed.on(f"{field}.{key}", "attribute names are lower-case words (size, color)")
        if not isinstance(item, str | int) or isinstance(item, bool) or len(str(item)) > 60:
            raise ValidationFailed.on(f"{field}.{key}", "must be a short text")
        clean[str(key)] = str(item)
    return clean


def check_price(value: Money | Decimal | int | str | None, field: str = "price") -> Decimal | None:
    """An amount in the business currency, not negative; None stays None."""
    if value is None:
        return None
    try:
        money = value if isinstance(value, Money) else Money.of(to_decimal(value))
    except (TypeError, ValueError, CurrencyError) as exc:
        raise ValidationFailed.on(field, "is not an amount") from exc
    if money.currency != business_currency():
        raise ValidationFailed.on(f"{field}.currency", f"must be {business_currency()}")
    if money.is_negative():
        raise ValidationFailed.on(field, "may not be negative")
    return money.amount


def handle_for(name: str) -> str:
    return slugify(name)[:100] or "product"

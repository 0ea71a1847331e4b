"""Money: a Decimal amount and an ISO 4217 currency. Never a float.

Each currency has its own number of minor units (CLP has none, USD two, BHD three); amounts are
rounded half-up to them. Formatting follows the reader's locale through Babel.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.conf import settings


class CurrencyError(ValueError):
    pass


@functools.cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(code: str) -> str:
    if not isinstance(code, str) or code.upper() != code or code not in _known_currencies():
        raise CurrencyError(f"unknown currency {code!r}")
    return code


@functools.cache
def minor_units(currency: str) -> int:
    return get_currency_precision(check_currency(currency))


@functools.cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def business_currency() -> str:
    return str(settings.OMNICANAL["CURRENCY"])


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money never comes from a float; pass a str or Decimal")
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)
        amount = to_decimal(self.amount)
        object.__setattr__(self, "amount", amount.quantize(_quantum(self.currency), rounding=ROUND_HALF_UP))

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str | None = None) -> Money:
        return cls(to_decimal(amount), currency or business_currency())

    @classmethod
    def zero(cls, currency: str | None = None) -> Money:
        return cls(Decimal(0), currency or business_currency())

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float | Money):
            raise TypeError("multiply money by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_negative(self) -> bool:
        return self.amount < 0

    def allocate(self, weights: list[int | Decimal]) -> list[Money]:
        """Split into parts proportional to `weights` that add up exactly (remainders go first)."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative and not all zero")
        quantum = _quantum(self.currency)
        units = int(self.amount / quantum)
        total = sum(weights)
        shares = [units * Decimal(w) // Decimal(total) for w in weights]
        remainder = units - int(sum(shares))
        for i in range(remainder):
            shares[i % len(shares)] += 1
        return [Money(Decimal(int(s)) * quantum, self.currency) for s in shares]

    def format(self, locale: str | None = None) -> str:
        from django.utils import translation

        name = (locale or translation.get_language() or settings.LANGUAGE_CODE).replace("-", "_")
        try:
            babel_locale = Locale.parse(_with_country(name))
        except (UnknownLocaleError, ValueError):
            babel_locale = Locale.parse("es_CL")
        return format_currency(
            self.amount,
            self.currency,
            locale=babel_locale,
            currency_digits=True,
        )

    def as_dict(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _with_country(language: str) -> str:
    """Bare languages take the business's country, so that 'es' formats like 'es_CL'."""
    if "_" in language:
        return language
    return f"{language}_{settings.OMNICANAL['COUNTRY']}"

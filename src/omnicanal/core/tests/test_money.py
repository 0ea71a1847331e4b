from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicanal.core.money import CurrencyError, Money, minor_units


def test_each_currency_has_its_own_minor_units():
    assert (minor_units("CLP"), minor_units("USD"), minor_units("BHD")) == (0, 2, 3)
    assert Money.of("12990.4", "CLP").amount == Decimal("12990")
    assert Money.of("12990.5", "CLP").amount == Decimal("12991")
    assert Money.of("10.005", "USD").amount == Decimal("10.01")


def test_money_never_comes_from_a_float():
    with pytest.raises(TypeError):
        Money.of(12.5, "USD")


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyError):
        Money.of(1, "CLP") + Money.of(1, "USD")
    with pytest.raises(CurrencyError):
        Money.of(1, "XXQ")


def test_arithmetic_keeps_the_currency():
    total = Money.of(12990, "CLP") * 2 + Money.of(3990, "CLP") - Money.of(990, "CLP")
    assert total == Money.of(28980, "CLP")


def test_formatting_follows_the_locale():
    assert Money.of(12990, "CLP").format("es") == "$12.990"
    assert Money.of(12990, "CLP").format("en_US") == "CLP12,990"
    assert Money.of("19.9", "USD").format("en_US") == "$19.90"


def test_the_wire_form_is_a_decimal_string():
    assert Money.of(12990, "CLP").as_dict() == {"amount": "12990", "currency": "CLP"}


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_allocation_adds_up_exactly(amount, weights):
    parts = Money.of(amount, "CLP").allocate(weights)
    assert sum((p.amount for p in parts), Decimal(0)) == Decimal(amount)
    assert all(p.amount >= 0 for p in parts)

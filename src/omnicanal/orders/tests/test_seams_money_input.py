"""Money comes into the API through one schema, core.schemas.MoneyIn, with one validation policy."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from omnicanal.core.money import business_currency
from omnicanal.core.schemas import MoneyIn, PositiveMoneyIn


def test_every_domain_takes_money_through_the_core_schema():
    # given the API schemas of catalog, orders and loyalty
    from omnicanal.catalog import schemas as catalog_schemas
    from omnicanal.loyalty import api as loyalty_api
    from omnicanal.orders import api as orders_api

    # then none defines its own money input: they all use core's
    assert orders_api.RefundIn.model_fields["amount"].annotation is MoneyIn
    assert loyalty_api.CouponLineIn.model_fields["amount"].annotation is PositiveMoneyIn
    assert catalog_schemas.MoneyIn is MoneyIn
    for module in (catalog_schemas, loyalty_api, orders_api):
        assert getattr(module, "MoneyIn", MoneyIn) is MoneyIn


@pytest.mark.django_db
def test_one_policy_for_an_amount():
    # when amounts arrive as a JSON integer, a decimal string or a finite number
    # then they are read exactly, in the business currency unless another is named
    assert MoneyIn.model_validate({"amount": 12990}).money().amount == Decimal(12990)
    assert MoneyIn.model_validate({"amount": "12.50", "currency": "USD"}).money().currency == "USD"
    assert MoneyIn.model_validate({"amount": "0"}).currency == business_currency()
    # and what is not a plain amount, or breaks the limits, is a field error
    for bad in ({"amount": "1e3"}, {"amount": -1}, {"amount": "1.234"}, {"amount": "9" * 15},
                {"amount": True}, {"amount": "10", "currency": "clp"}):
        with pytest.raises(ValidationError):
            MoneyIn.model_validate(bad)
    with pytest.raises(ValidationError):
        PositiveMoneyIn.model_validate({"amount": 0})

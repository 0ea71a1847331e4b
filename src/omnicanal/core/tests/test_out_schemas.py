"""Output schemas (core.schemas.Out) validate a dict once, and still refuse keys they do not name."""

import pydantic
import pytest

from omnicanal.core.schemas import Out

CALLS: list[str] = []


class Counted(Out):
    """Counts how many times each model validates an object (ninja's own way: twice per level)."""

    @pydantic.model_validator(mode="wrap")
    @classmethod
    def _count(cls, values, handler):
        CALLS.append(cls.__name__)
        return handler(values)


class TotalOut(Counted):
    amount: str
    currency: str


class LineOut(Counted):
    sku: str
    total: TotalOut


class OrderOut(Counted):
    id: str
    lines: list[LineOut]
    note: str | None = None


ORDER = {"id": "ord_1", "lines": [{"sku": "A", "total": {"amount": "10", "currency": "CLP"}},
                                  {"sku": "B", "total": {"amount": "20", "currency": "CLP"}}]}


def test_a_nested_dict_is_validated_once_per_object():
    CALLS.clear()
    # when an order of two lines is validated
    OrderOut.model_validate(ORDER)
    # then each object was validated once: the order, two lines, two totals (ninja's way: 13)
    assert sorted(CALLS) == ["LineOut", "LineOut", "OrderOut", "TotalOut", "TotalOut"]


def test_the_answer_is_the_dict_and_unset_fields_stay_unset():
    out = OrderOut.model_validate(ORDER)
    assert out.model_dump(exclude_unset=True) == ORDER


def test_a_key_the_schema_does_not_name_is_refused_at_any_depth():
    with pytest.raises(pydantic.ValidationError):
        OrderOut.model_validate({**ORDER, "extra": 1})
    with pytest.raises(pydantic.ValidationError):
        OrderOut.model_validate({**ORDER, "lines": [{"sku": "A", "total": {"amount": "1", "currency": "CLP", "x": 1}}]})


def test_an_object_is_read_by_attribute_as_before():
    class Row:
        sku = "A"
        total = {"amount": "10", "currency": "CLP"}

    assert LineOut.model_validate(Row()).model_dump() == {"sku": "A", "total": {"amount": "10", "currency": "CLP"}}

"""core.schemas.InputSchema validates a request body (a dict) without ninja's DjangoGetter, with the
same values and the same field errors as ninja's Schema (issue 23: an order's body at a seventh of
the CPU)."""

from typing import Literal

import pytest
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationError

from omnicanal.core.schemas import AddressIn, InputSchema, MoneyIn, Quantity


def _models(base):
    class Line(base):
        sku: str = Field(min_length=1, max_length=64)
        quantity: Quantity = Field(ge=1, le=999)

    class Delivery(base):
        method: Literal["ship", "pickup"]
        address: AddressIn | None = None

    class Body(base):
        channel: str = Field(min_length=1, max_length=30)
        lines: list[Line] | None = Field(default=None, max_length=3)
        delivery: Delivery
        amount: MoneyIn | None = None
        contact: dict[str, str] | None = None

    return Body


OURS, NINJAS = _models(InputSchema), _models(Schema)
ADDRESS = {"line1": "Av 1", "city": "Santiago", "country": "CL"}
BODIES = [
    {"channel": "web", "lines": [{"sku": "A", "quantity": 2}], "delivery": {"method": "ship", "address": ADDRESS},
     "amount": {"amount": "12990"}, "contact": {"name": "Ána"}, "extra": 1},
    {"channel": "web", "delivery": {"method": "pickup"}},
    {"channel": "", "lines": [{"sku": "A", "quantity": "2"}, {"quantity": 0}], "delivery": {"method": "boat"}},
    {"channel": "web", "lines": "A", "delivery": "ship", "amount": {"amount": 1e400}},
    {"channel": 5, "lines": [{"sku": "A", "quantity": True}] * 4, "delivery": {"method": "ship", "address": {"city": 1}}},
    {"delivery": None, "contact": {"a": 1}},
    {},
]


def _outcome(model, body):
    try:
        return model.model_validate(body).model_dump()
    except ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_validates_as_ninjas_schema_validates_it(body):
    assert _outcome(OURS, body) == _outcome(NINJAS, body)


def test_what_is_not_a_dict_and_forbidden_extras_go_ninjas_way():
    class Strict(InputSchema):
        model_config = ConfigDict(extra="forbid")
        sku: str

    class Thing:
        sku = "A"

    # an object is read through its attributes, as ninja reads it
    assert OURS.model_validate({"channel": "web", "delivery": {"method": "pickup"}}).channel == "web"
    assert Strict.model_validate({"sku": "A"}).sku == "A"
    assert Strict.model_validate(Thing()).sku == "A"
    with pytest.raises(ValidationError) as refused:
        Strict.model_validate({"sku": "A", "other": 1})
    assert [e["type"] for e in refused.value.errors()] == ["extra_forbidden"]

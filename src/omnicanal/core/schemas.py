"""Strict number types for API input schemas (Pydantic), shared by every domain's api.py.

Pydantic's lax mode turns `"1"` and `true` into the integer 1 and reads `"1e400"` as a decimal; on
the wire we take neither:
- `Quantity`: a JSON integer only (no strings, booleans or 1.0); use it for every count a caller sends.
- `StrictAmount`: a Decimal from a JSON integer, a finite JSON number or a plain decimal string
  ("12990", "-200", "12.50"); no exponent, no NaN/Infinity, no booleans, at most `MAX_AMOUNT_CHARS`
  characters. Field constraints (max_digits, decimal_places, ge/gt) still apply after it.
- `check_amount(value)`: the same rule as a function, for schemas that keep the amount as text.
- `MoneyIn`: the one money input of the API, `{amount, currency}`: a `StrictAmount` of at most 14
  digits and 2 decimals, zero or more; `currency` three capitals, the business currency when absent.
  `PositiveMoneyIn` is the same with an amount above zero (what is issued, topped up or refunded
  by loyalty).
Each refusal is a field error (422), never a server error.

And the shared pieces of output schemas (what handlers answer, issue 14 item 6):
- `Out`: the base of every `<Thing>Out`. It forbids fields it does not name, so an answer with a key
  its schema forgot fails the tests instead of being dropped silently from the wire.
- `StoredOut`: for JSON the database keeps as given (an order's address, its sourcing notes): the
  known fields are named, others pass through.
- `MoneyOut`: `{amount, currency}`, the amount a decimal string ("12990").
- `Timestamp`: an ISO 8601 text the reads already formatted (kept as text so the wire stays byte-equal).
- `answer(schema, data, status)`: a hot route's answer, validated against its `Out` as ninja validates
  it and written to JSON by pydantic-core itself (a placed order's, issue 23).
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import SchemaValidator

from omnicanal.core.money import Money, business_currency

MAX_AMOUNT_CHARS = 32
_PLAIN_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")

Quantity = StrictInt


def check_amount(value: Any) -> Decimal:
    """The Decimal an amount on the wire stands for; ValueError (a field error) when it is not one."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite number")
        return value
    if isinstance(value, int):
        if abs(value) >= 10**MAX_AMOUNT_CHARS:
            raise ValueError("is too large")
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_AMOUNT_CHARS or not _PLAIN_DECIMAL.match(text):
            raise ValueError("must be a plain decimal number such as 12990 or 12.50")
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
            raise ValueError("is not a number") from exc
    raise ValueError("must be a number")


StrictAmount = Annotated[Decimal, BeforeValidator(check_amount)]


class InputSchema(Schema):
    """The base of a request body's schemas: a JSON object (a dict) is validated as it is, not behind
    ninja's `DjangoGetter` (an attribute read per field, made for model instances): the same values and
    field errors, at a seventh of the CPU for an order's body (issue 23). Anything but a plain dict, and
    a schema with resolvers or that forbids extra fields, goes ninja's way unchanged."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        plain = cls.model_config.get("extra") != "forbid" and not cls.model_config.get("validate_assignment", False)
        if plain and type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        if not plain:
            handler(values)  # as ninja's own: validated as given first (extra fields forbidden, assignment)
        return handler(DjangoGetter(values, cls, info.context))


class AddressIn(InputSchema):
    """A postal address as the API takes it (shared/API.md, Conventions): country ISO 3166-1 alpha-2."""

    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(pattern="^[A-Z]{2}$")


class MoneyIn(InputSchema):
    amount: StrictAmount = Field(ge=0, max_digits=14, decimal_places=2, examples=["12990"])
    currency: str = Field(default_factory=business_currency, pattern=r"^[A-Z]{3}$")

    def money(self) -> Money:
        return Money.of(self.amount, self.currency)


class PositiveMoneyIn(MoneyIn):
    amount: StrictAmount = Field(gt=0, max_digits=14, decimal_places=2, examples=["12990"])


# --- output ----------------------------------------------------------------------------------------


class Out(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        """A dict (what our reads hand out) is validated once, as it is. Ninja's Schema validates a
        schema that forbids extra keys twice, the dict and then a DjangoGetter around it, and each
        nested `Out` does the same inside both passes: 2^depth validations of the deepest ones (an
        order's answer: ~43 validator calls where 10 suffice, issue 23). The getter adds nothing for
        a dict here: no `Out` declares a ninja resolver and our dicts hold plain values (no managers,
        querysets, files or callables). Anything else (a model instance) takes ninja's way."""
        if isinstance(values, dict) and not cls._ninja_resolvers:
            return handler(values)
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]


class StoredOut(Schema):
    model_config = ConfigDict(extra="allow")


class MoneyOut(Out):
    amount: str = Field(examples=["12990"], description="A decimal number as text")
    currency: str = Field(examples=["CLP"])


Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


def answer(schema: type[Out], data: dict, status: int = 200) -> HttpResponse:
    """The answer `data` as the route's declared `schema` (what its `response=` names), for a route a
    buyer waits on. The same validation as ninja's (the dict against the schema: a key it does not
    name, or a value of the wrong type, is an error, never dropped), and the same JSON values with
    `exclude_unset` (keys the dict leaves out stay out), written by pydantic-core in one call: ninja
    validated a wrapper model around it through a DjangoGetter, dumped it to Python objects and encoded
    those with json's Python encoder, for ~8 % of a placed order's instructions (issue 23). The text
    is compact, UTF-8 and not ASCII-escaped: the same JSON to any parser."""
    validated = _dict_validator(schema).validate_python(data) if type(data) is dict else schema.model_validate(data)
    body = schema.__pydantic_serializer__.to_json(validated, exclude_unset=True)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


@functools.cache
def _dict_validator(schema: type[Out]) -> SchemaValidator:
    """`schema`'s validator without `Out`'s own model validator on it and on every nested `Out`: for a
    dict that validator only hands the dict on (`Out._run_root_validator`), yet pydantic-core called it
    in Python once per nested answer (an order's: 22 calls). The rest is the schema's own: its fields,
    types, `extra="forbid"`, StoredOut's validator. Only for dicts of our reads, dicts all the way
    down (what `Out` already assumes of them)."""
    return SchemaValidator(_without_out_validator(schema.__pydantic_core_schema__))


def _without_out_validator(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_out_validator(item) for item in node]
    if not isinstance(node, dict):
        return node
    function = node.get("function") if node.get("type") == "function-wrap" else None
    if function is not None and getattr(function.get("function"), "__func__", None) is _OUT_VALIDATOR:
        inner = dict(_without_out_validator(node["schema"]))
        if "ref" in node:  # what the definitions name it by
            inner["ref"] = node["ref"]
        return inner
    return {key: value if key in ("metadata", "serialization") else _without_out_validator(value)
            for key, value in node.items()}


_OUT_VALIDATOR = Out._run_root_validator.__func__

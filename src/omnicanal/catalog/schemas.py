"""Wire shapes of the catalog API (Pydantic through Ninja): field validation gives 422 per field."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field, field_validator

from omnicanal.core.money import Money
from omnicanal.core.schemas import MoneyIn, MoneyOut, Quantity, StrictAmount


def money_out(money: Money | None) -> dict | None:
    return money.as_dict() if money is not None else None


def as_money(value: MoneyIn | Decimal | None):
    """A money object, or a bare amount taken in the business currency (lenient for feeds)."""
    if value is None:
        return None
    return value.money() if isinstance(value, MoneyIn) else Money.of(value)


Amount = MoneyIn | Annotated[StrictAmount, Field(ge=0, max_digits=14, decimal_places=2)]


class VariantIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    attributes: dict[str, str] | None = None
    price: Amount | None = None
    gtin: str | None = Field(default=None, max_length=14)

    @field_validator("price", mode="before")
    @classmethod
    def _no_float(cls, value):
        return str(value) if isinstance(value, float) else value


class ProductIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    category: str = Field(min_length=1, max_length=120)
    price: Amount
    variants: list[VariantIn] = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    description_en: str = Field(default="", max_length=20000)
    brand: str = Field(default="", max_length=120)
    handle: str = Field(default="", max_length=100)

    @field_validator("price", mode="before")
    @classmethod
    def _no_float(cls, value):
        return str(value) if isinstance(value, float) else value


def _not_null(value, info):
    if value is None:
        raise ValueError(f"{info.field_name} may be left out, not null")
    return value


class ProductPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    name_en: str | None = Field(default=None, max_length=200)
    description_en: str | None = Field(default=None, max_length=20000)
    category: str | None = Field(default=None, min_length=1, max_length=120)
    brand: str | None = Field(default=None, max_length=120)
    price: Amount | None = None
    active: bool | None = None
    variants: list[VariantIn] | None = Field(default=None, max_length=200, description="variants to add")

    _no_nulls = field_validator("name", "category", "price", "active")(_not_null)


class VariantOut(Schema):
    id: str
    sku: str
    gtin: str | None
    attributes: dict[str, str]
    price: MoneyOut


class ImageOut(Schema):
    id: str
    url: str
    content_type: str
    alt: str


class ProductOut(Schema):
    id: str
    handle: str
    name: str
    name_en: str
    description: str
    description_en: str
    category: str
    purchase_cycle: str
    replenish_days: int | None
    brand: str | None
    price: MoneyOut
    active: bool
    variants: list[VariantOut]
    images: list[ImageOut]
    created_at: str
    updated_at: str


class ProductSummary(Schema):
    id: str
    handle: str
    name: str
    category: str
    brand: str | None
    price: MoneyOut
    variant_count: int
    active: bool


class ProductPage(Schema):
    items: list[ProductSummary]
    total: int
    limit: int
    offset: int


class ListingIn(Schema):
    price: Amount | None = None
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    title_en: str | None = Field(default=None, max_length=200)
    description_en: str | None = Field(default=None, max_length=20000)
    published: bool

    @field_validator("price", mode="before")
    @classmethod
    def _no_float(cls, value):
        return str(value) if isinstance(value, float) else value


class ListingOut(Schema):
    channel: str
    sku: str
    price: MoneyOut
    title: str
    title_en: str
    description: str
    description_en: str
    published: bool
    overrides: dict[str, bool]


class DriftOut(Schema):
    sku: str
    channel: str
    field: str
    value: str
    reference: str
    reference_channel: str
    product_id: str


class ConsistencyOut(Schema):
    items: list[DriftOut]
    count: int


class ChannelOut(Schema):
    code: str
    name: str
    active: bool
    reference: str | None
    price_above_pct: Decimal
    price_below_pct: Decimal
    allow_title_override: bool
    allow_description_override: bool
    publish_by_default: bool
    mirror_reference: bool


class ChannelIn(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    active: bool | None = None
    reference: str | None = None
    price_above_pct: StrictAmount | None = Field(default=None, ge=0, le=999)
    price_below_pct: StrictAmount | None = Field(default=None, ge=0, le=100)
    allow_title_override: bool | None = None
    allow_description_override: bool | None = None
    publish_by_default: bool | None = None
    mirror_reference: bool | None = None

    _no_nulls = field_validator(
        "name", "active", "allow_title_override", "allow_description_override", "publish_by_default",
        "mirror_reference",
    )(_not_null)


class CategoryIn(Schema):
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    parent: str | None = None
    purchase_cycle: str | None = Field(default=None, pattern="^(one_off|durable|replenishable)$")
    replenish_days: Quantity | None = Field(default=None, gt=0, le=3650)


class CategoryOut(Schema):
    slug: str
    name: str
    name_en: str
    parent: str | None
    purchase_cycle: str
    replenish_days: int | None


class ImportOut(Schema):
    products_created: int
    products_updated: int
    variants_created: int
    variants_updated: int

"""Facts of the catalog domain, past tense, plain data (topics "catalog.<Name>")."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductCreated:
    product_id: str
    handle: str
    name: str
    category: str
    skus: tuple[str, ...]


@dataclass(frozen=True)
class ListingChanged:
    channel: str
    sku: str
    published: bool
    price: str | None  # the override, a decimal string in `currency`; None: the product's price
    currency: str
    title: str
    description: str

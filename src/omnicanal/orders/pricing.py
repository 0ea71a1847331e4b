"""Prices, shipping fees and Chilean IVA for a basket on one channel.

Prices and publication are the catalog's to decide (catalog.queries.channel_prices: one query for
any number of lines); this module turns its answer into order lines and 422s. IVA is included in
Chilean prices: the tax line shows the part of the total that is tax, total − total / 1.19, rounded
to the peso.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money

IVA_RATE = Decimal("0.19")
# Shipping fee rules: a flat fee per delivery method, free at or above a subtotal.
SHIPPING_FEES = {"ship": Decimal(3990), "pickup_point": Decimal(1990)}
FREE_SHIPPING_FROM = Decimal(49990)


@dataclass(frozen=True)
class PricedSku:
    sku: str
    title: str
    category: str
    unit_price: Money


def price_skus(skus: list[str], channel: str, *, field: str = "lines") -> dict[str, PricedSku]:
    """{sku: PricedSku} on the channel as the catalog decides it (catalog.queries.channel_prices, one
    query): an unknown or inactive product, or one the channel does not sell, is a 422 on its line."""
    prices = catalog.channel_prices(skus, channel)
    priced = {}
    for i, sku in enumerate(skus):
        found = prices.get(sku)
        if found is None or not found.active:
            raise ValidationFailed.on(f"{field}.{i}.sku", _("no product with SKU %(sku)s") % {"sku": sku})
        if not found.published:
            raise ValidationFailed.on(f"{field}.{i}.sku",
                                      _("%(sku)s is not sold on %(channel)s") % {"sku": sku, "channel": channel})
        priced[sku] = PricedSku(sku=sku, title=f"{found.title} {found.options}".strip()[:200],
                                category=found.category, unit_price=found.price)
    return priced


# Channels whose sale price is set where the buyer bought (a marketplace): an imported order's lines
# carry the unit price the buyer paid there, and the order is booked at it, not at our catalog's.
EXTERNAL_PRICE_CHANNELS = ("marketplace",)


def external_prices(lines, channel: str, priced: dict[str, PricedSku]) -> dict[str, PricedSku]:
    """`priced` with the unit prices the lines bring (LineIn.unit_price), when the channel takes them:
    elsewhere a given price is a 422 on `lines.N.unit_price` (a shop never names its own price), as is
    a negative price, another currency than the catalog's, or two prices for one SKU. The catalog still
    decides that the SKU exists and is published there (title and category too)."""
    given: dict[str, Money] = {}
    for i, line in enumerate(lines):
        price = getattr(line, "unit_price", None)
        if price is None:
            continue
        field = f"lines.{i}.unit_price"
        if channel not in EXTERNAL_PRICE_CHANNELS:
            raise ValidationFailed.on(field, _("a price is set by the catalog on %(channel)s") % {"channel": channel})
        sku = (line.sku or "").strip()
        currency = priced[sku].unit_price.currency
        if price.amount < 0 or price.currency != currency:
            raise ValidationFailed.on(field, _("must be a price in %(currency)s") % {"currency": currency})
        if given.get(sku, price) != price:
            raise ValidationFailed.on(field, _("two prices for %(sku)s") % {"sku": sku})
        given[sku] = price
    if not given:
        return priced
    return {sku: PricedSku(sku=p.sku, title=p.title, category=p.category, unit_price=given.get(sku, p.unit_price))
            for sku, p in priced.items()}


def shipping_fee(method: str, subtotal: Money, *, free_shipping: bool = False) -> Money:
    fee = SHIPPING_FEES.get(method)
    if fee is None or free_shipping or subtotal.amount >= FREE_SHIPPING_FROM:
        return Money.zero(subtotal.currency)
    return Money(fee, subtotal.currency)


def tax_lines(total: Money) -> list[dict]:
    """IVA included in the total: [{name, rate, base, amount}] (base + amount = total)."""
    tax = (total.amount - total.amount / (1 + IVA_RATE)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    tax_money = Money(tax, total.currency)
    return [{"name": "IVA", "rate": str(IVA_RATE * 100).rstrip("0").rstrip("."), "included": True,
             "base": (total - tax_money).as_dict(), "amount": tax_money.as_dict()}]

"""Prices, shipping fees and Chilean IVA for a basket on one channel.

Prices come from the channel's listing (else the variant's, else the product's): two queries for
any number of lines. IVA is included in Chilean prices: the tax line shows the part of the total
that is tax, total − total / 1.19, rounded to the peso.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from omnicanal.catalog.models import Category, Listing, Product, Variant
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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _price_sql(n: int) -> str:
    return (
        "SELECT v.sku, v.price, v.attributes, p.base_price, p.currency, p.name_es, p.active, c.slug, "
        "l.price, l.published, l.title_es "
        f"FROM {_table(Variant)} v JOIN {_table(Product)} p ON p.id = v.product_id "
        f"JOIN {_table(Category)} c ON c.id = p.category_id "
        f"LEFT JOIN {_table(Listing)} l ON l.variant_id = v.id AND l.channel_id = %s "
        f"WHERE v.sku IN ({', '.join(['%s'] * n)})"
    )


def price_skus(skus: list[str], channel: str, *, field: str = "lines") -> dict[str, PricedSku]:
    """{sku: PricedSku} for the channel in one query; an unknown or unpublished SKU is a 422 on its line."""
    with connection.cursor() as cursor:
        cursor.execute(_price_sql(len(skus)), [channel, *skus])
        rows = {row[0]: row for row in cursor.fetchall()}
    priced = {}
    for i, sku in enumerate(skus):
        row = rows.get(sku)
        if row is None or not row[6]:
            raise ValidationFailed.on(f"{field}.{i}.sku", _("no product with SKU %(sku)s") % {"sku": sku})
        _sku, v_price, attributes, base, currency, name, _active, category, l_price, published, l_title = row
        if published is not None and not published:
            raise ValidationFailed.on(f"{field}.{i}.sku",
                                      _("%(sku)s is not sold on %(channel)s") % {"sku": sku, "channel": channel})
        amount = l_price if l_price is not None else v_price if v_price is not None else base
        if isinstance(attributes, str):  # SQLite hands JSON back as text
            attributes = json.loads(attributes or "{}")
        attrs = " ".join(str(v) for v in (attributes or {}).values())
        title = l_title or name
        priced[sku] = PricedSku(sku=sku, title=f"{title} {attrs}".strip()[:200], category=category,
                                unit_price=Money(Decimal(amount), currency))
    return priced


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

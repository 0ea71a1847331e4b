"""What each customer bought, summed per customer in the database (marketing's segment population,
issue 18): the same figures `queries.purchase_history`'s lines add up to, without reading every
line into Python (at 100k orders the lines were most of a segment's first count)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum

from omnicanal.orders.models import DeliveryMethod, OrderLine, OrderStatus

# Delivery methods where the customer walks into the order's location (a pickup point is a locker).
STORE_VISIT_METHODS = (DeliveryMethod.CARRY_OUT, DeliveryMethod.PICKUP, DeliveryMethod.CURBSIDE)


@dataclass(frozen=True)
class PurchaseTotals:
    """A customer's bought lines (orders not cancelled, units not cancelled) summed."""

    orders: int
    spend: Decimal  # the lines' totals for the units not cancelled, in the orders' currency
    last_purchase_at: dt.datetime
    categories: frozenset[str]
    channels: frozenset[str]
    stores: frozenset[str]  # store codes visited (a POS sale, a pickup or curbside there)


def _bought() -> QuerySet[OrderLine]:
    """The lines purchase_history reads: some unit not cancelled, of an order not cancelled, by a customer."""
    return (OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED).exclude(order__customer_id="")
            .filter(quantity__gt=F("cancelled")).order_by())


def _pairs(rows: QuerySet) -> dict[str, set[str]]:
    """{customer: the distinct values} from distinct (customer, value) rows."""
    out: dict[str, set[str]] = {}
    for customer_id, value in rows.distinct():
        out.setdefault(customer_id, set()).add(value)
    return out


def _partial_amounts() -> dict[str, Decimal]:
    """{customer: the amount of their partly cancelled lines} (rare), prorated like purchase_history."""
    out: dict[str, Decimal] = {}
    rows = (_bought().filter(cancelled__gt=0).order_by("order__placed_at", "pk")
            .values_list("order__customer_id", "total", "quantity", "cancelled"))
    for customer_id, total, quantity, cancelled in rows:
        out[customer_id] = out.get(customer_id, Decimal(0)) + Decimal(total) * (quantity - cancelled) / quantity
    return out


def purchase_totals() -> dict[str, PurchaseTotals]:
    """{customer id: PurchaseTotals} for every customer who bought: on PostgreSQL one grouped scan of
    the lines (the sets as arrays), elsewhere five grouped queries."""
    partial = _partial_amounts()
    shared: dict[frozenset[str], frozenset[str]] = {}  # one object per distinct set: most customers share theirs

    def interned(found) -> frozenset[str]:
        value = frozenset(found or ())
        return shared.setdefault(value, value)

    def totals(n: int, last: dt.datetime, whole, cid: str, categories, channels, stores) -> PurchaseTotals:
        return PurchaseTotals(orders=n, spend=Decimal(whole or 0) + partial.get(cid, Decimal(0)), last_purchase_at=last,
                              categories=interned(categories), channels=interned(channels), stores=interned(stores))

    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        rows = _summed().annotate(
            categories=ArrayAgg("category", distinct=True), channels=ArrayAgg("order__channel", distinct=True),
            stores=ArrayAgg("order__delivery_location", distinct=True, filter=_VISITED)).values_list(
            "order__customer_id", "n", "last", "whole", "categories", "channels", "stores")
        return {cid: totals(n, last, whole, cid, categories, channels, stores)
                for cid, n, last, whole, categories, channels, stores in rows}
    categories = _pairs(_bought().values_list("order__customer_id", "category"))
    channels = _pairs(_bought().values_list("order__customer_id", "order__channel"))
    stores = _pairs(_bought().filter(_VISITED).values_list("order__customer_id", "order__delivery_location"))
    return {cid: totals(n, last, whole, cid, categories.get(cid), channels.get(cid), stores.get(cid))
            for cid, n, last, whole in _summed().values_list("order__customer_id", "n", "last", "whole")}


# A line's order was a visit to a store (its location).
_VISITED = Q(order__delivery_method__in=STORE_VISIT_METHODS) & ~Q(order__delivery_location="")


def _summed() -> QuerySet:
    """Per customer: their orders, their last purchase, the amount of their lines with no unit cancelled."""
    return _bought().values("order__customer_id").annotate(
        n=Count("order_id", distinct=True), last=Max("order__placed_at"), whole=Sum("total", filter=Q(cancelled=0)))

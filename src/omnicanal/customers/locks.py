"""Every row lock of the customers domain, taken in one order (by primary key) to avoid deadlocks."""

from __future__ import annotations

from omnicanal.customers.models import Customer


def lock_customers(pks: list[int]) -> dict[int, Customer]:
    """SELECT … FOR UPDATE the customers, lowest primary key first; fresh rows by pk."""
    rows = Customer.objects.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk")
    return {row.pk: row for row in rows}

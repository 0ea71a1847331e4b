"""Every SELECT … FOR UPDATE of the orders domain. Order first, then its fulfilments, by pk."""

from __future__ import annotations

from omnicanal.orders.models import Cart, Fulfillment, Order, Return


def order(pk: int) -> Order:
    return Order.objects.select_for_update().get(pk=pk)


def fulfillment(public_id: str) -> Fulfillment | None:
    found = Fulfillment.objects.filter(public_id=public_id).values_list("order_id", flat=True).first()
    if found is None:
        return None
    Order.objects.select_for_update().filter(pk=found).first()
    return Fulfillment.objects.select_for_update().select_related("order").get(public_id=public_id)


def ret(public_id: str) -> Return | None:
    found = Return.objects.filter(public_id=public_id).values_list("order_id", flat=True).first()
    if found is None:
        return None
    Order.objects.select_for_update().filter(pk=found).first()
    return Return.objects.select_for_update().select_related("order").get(public_id=public_id)


def carts(pks: list[int]) -> list[Cart]:
    return list(Cart.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk"))

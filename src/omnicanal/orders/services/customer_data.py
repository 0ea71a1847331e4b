"""The order book's part in customers' merge (the customers.registry hook; erasure is orders/privacy.py).
"""

from __future__ import annotations

from omnicanal.orders.models import (
    Cart,
    CartStatus,
    Order,
    StoredCard,
)
from omnicanal.orders.services.carts import _combine


def do_merge_customer_carts(*, survivor_id: str, merged_id: str) -> None:
    """registry.on_merge: the merged customer's orders, returns and carts follow the survivor."""
    Order.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    mine = Cart.objects.filter(customer_id=survivor_id, status=CartStatus.ACTIVE).first()
    theirs = Cart.objects.filter(customer_id=merged_id, status=CartStatus.ACTIVE).first()
    if theirs is not None and mine is not None:
        _combine(mine, theirs)
    Cart.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    # Saved cards follow too; each keeps the Oneclick username it was enrolled under.
    StoredCard.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)

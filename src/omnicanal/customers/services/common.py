"""Small helpers the customers services share."""

from __future__ import annotations

from omnicanal.core.auth import Principal
from omnicanal.customers import queries
from omnicanal.customers.models import Customer


def customer_of(customer: Customer | str | None = None, customer_id: str | None = None) -> Customer:
    """The survivor for a Customer, a public id or an alias id (NotFound when unknown)."""
    target = customer if customer is not None else customer_id
    if isinstance(target, Customer):
        return target if target.merged_into_id is None else queries.get_customer(target.public_id)
    return queries.get_customer(target or "")


def actor_label(actor: Principal) -> str:
    return f"{actor.kind}:{actor.id}:{actor.name}"[:200]

"""The storefront's place in the customer's registry: merged customers keep their devices signed in
(as the survivor) and their lists (wishlist, recently viewed), an erased customer's devices are
signed out and their lists deleted, an export lists the devices and the lists."""

from __future__ import annotations

from omnicanal.customers import registry
from omnicanal.storefront import lists, queries, services


@registry.on_merge
def merge_sessions(*, survivor_id: str, merged_id: str) -> None:
    services.do_repoint_sessions(survivor_id=survivor_id, merged_id=merged_id)
    lists.do_merge_lists(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_erase
def erase_sessions(*, customer_id: str) -> None:
    services.do_forget_customer(customer_id=customer_id)
    lists.do_forget_lists(customer_id=customer_id)


@registry.on_export("shop_sessions")
def export_sessions(customer_id: str) -> list[dict]:
    return [{"session_id": s.session_id, "channel": s.channel, "created_at": s.created_at.isoformat(),
             "last_seen_at": s.last_seen_at.isoformat()} for s in queries.sessions_of(customer_id)]


@registry.on_export("shop_lists")
def export_lists(customer_id: str) -> dict:
    return lists.export_lists(customer_id)

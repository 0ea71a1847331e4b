"""Store API: sessions, cart, checkout, orders, returns and loyalty (mounted by store_api)."""

from ninja import Router

router = Router(tags=["store"])

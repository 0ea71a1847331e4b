"""Store API: products and search (mounted by store_api)."""

from ninja import Router

router = Router(tags=["store"])

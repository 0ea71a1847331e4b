"""The catalog's extension points for the domains above it.

The consistency audit reports "published on a channel while out of stock", but the catalog may not
import inventory. Inventory registers a stock provider here instead (from its handlers.py, which is
autodiscovered at start-up), and the audit asks it:

    from omnicanal.catalog import registry

    @registry.stock_provider
    def available(skus: list[str] | None, channels: list[str]) -> dict[tuple[str, str], int]:
        ...   # {(sku, channel): units that can be promised}; a missing pair means none

`consistency_report(stock=...)` also takes a provider directly (tests, or another source of truth).
"""

from __future__ import annotations

from collections.abc import Callable

StockProvider = Callable[[list[str] | None, list[str]], dict[tuple[str, str], int]]

_stock_providers: dict[str, StockProvider] = {}


def stock_provider(func: StockProvider) -> StockProvider:
    _stock_providers[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def current_stock_provider() -> StockProvider | None:
    """The registered provider (the last one wins; there is one stock)."""
    return list(_stock_providers.values())[-1] if _stock_providers else None

"""The customers domain's extension points, for domains above it (orders, loyalty, conversations…).

A customer is named everywhere by its public id (`cus_…`). Other domains register here, from their
own handlers.py (autodiscovered at start-up), so that merge, export, erasure and the 360 page reach
their data without customers importing them.

    from omnicanal.customers import registry

    @registry.on_merge
    def move_carts(*, survivor_id: str, merged_id: str) -> None: ...   # inside the merge transaction

    @registry.on_export("loyalty")
    def export_loyalty(customer_id: str) -> dict | list: ...           # JSON-serializable

    @registry.on_erase
    def erase_loyalty(*, customer_id: str) -> None: ...                # inside the erasure transaction

    @registry.personal_values
    def order_addresses(customer_id: str) -> Iterable[str]: ...        # before any erasure hook runs

    @registry.on_scrub
    def scrub_loyalty(*, customer_ids: list[str], traces: core.privacy.Traces) -> None: ...
    # after every on_erase hook; traces: the person's ids and former name, emails, phones and
    # address lines (every domain's personal_values too), for copies that cannot be found by id

    registry.register_panel(name="loyalty", label=_("Loyalty"), render=render_panel, order=30)
    # render(request, customer_id) -> str (HTML fragment) for the customer 360 page. The reader is
    # `request.principal` (set by core.console.staff_required; core.console.principal(request)):
    # a panel shows only what it may see (a store clerk: their locations' orders).

    @registry.summary_provider("loyalty_summary")
    def loyalty_summary(customer_id: str) -> dict: ...              # {"points": int, "stored_value": money}
    # A provider that takes a keyword `principal` gets the reader (None: an internal reader) and
    # answers only what it may see; "recent_orders" does (a clerk: their stores' orders).

    registry.register_order_visibility(hidden_refs)
    # hidden_refs(principal, refs) -> the references (free text: "ord_…", "AS-100123"…) naming an
    # order the principal may not see: the orders domain registers it, so that the 360's other
    # parts (loyalty's statement, the timeline) hide another store's orders without importing
    # orders. `hidden_order_refs` asks it.

Summary sections of the single customer view (GET /customers/{id}) and who fills them:
"loyalty_summary" (loyalty: {points, stored_value}), "cart" (orders: the active cart or None),
"recent_orders" (orders: a short list), "open_conversation" (conversations: the open thread or None).
Until a provider registers, the view answers the section's empty default.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MergeHook = Callable[..., None]
ExportHook = Callable[[str], Any]
EraseHook = Callable[..., None]
ValuesProvider = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Panel:
    name: str
    label: str
    render: Callable[[Any, str], str]
    order: int = 100


_merge_hooks: dict[str, MergeHook] = {}
_export_hooks: dict[str, ExportHook] = {}
_erase_hooks: dict[str, EraseHook] = {}
_scrub_hooks: dict[str, EraseHook] = {}
_value_providers: dict[str, ValuesProvider] = {}
_panels: dict[str, Panel] = {}
_summaries: dict[str, Callable[[str], Any]] = {}


def _name(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def on_merge(func: MergeHook) -> MergeHook:
    _merge_hooks[_name(func)] = func
    return func


def on_export(section: str) -> Callable[[ExportHook], ExportHook]:
    def register(func: ExportHook) -> ExportHook:
        _export_hooks[section] = func
        return func

    return register


def on_erase(func: EraseHook) -> EraseHook:
    _erase_hooks[_name(func)] = func
    return func


def on_scrub(func: EraseHook) -> EraseHook:
    _scrub_hooks[_name(func)] = func
    return func


def personal_values(func: ValuesProvider) -> ValuesProvider:
    _value_providers[_name(func)] = func
    return func


def scrub_hooks() -> list[EraseHook]:
    return list(_scrub_hooks.values())


def value_providers() -> list[ValuesProvider]:
    return list(_value_providers.values())


def register_panel(*, name: str, label: str, render: Callable[[Any, str], str], order: int = 100) -> None:
    _panels[name] = Panel(name=name, label=label, render=render, order=order)


def merge_hooks() -> list[MergeHook]:
    return list(_merge_hooks.values())


def export_hooks() -> dict[str, ExportHook]:
    return dict(_export_hooks)


def erase_hooks() -> list[EraseHook]:
    return list(_erase_hooks.values())


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: p.order)


def summary_provider(section: str) -> Callable[[Callable[[str], Any]], Callable[[str], Any]]:
    """Register `provider(customer_id) -> JSON-ready value` for a section of the single view."""

    def register(func: Callable[[str], Any]) -> Callable[[str], Any]:
        _summaries[section] = func
        return func

    return register


def register_summary(*, section: str, provider: Callable[[str], Any]) -> None:
    _summaries[section] = provider


def _takes_principal(func: Callable) -> bool:
    try:
        return "principal" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def summary(section: str, customer_id: str, default: Any = None, *, principal: Any = None) -> Any:
    """The section's value for the customer, or `default` while no domain provides it. Providers
    that take `principal` answer only what that reader may see."""
    provider = _summaries.get(section)
    if provider is None:
        return default
    return provider(customer_id, principal=principal) if _takes_principal(provider) else provider(customer_id)


_order_visibility: list[Callable[[Any, set[str]], set[str]]] = []


def register_order_visibility(func: Callable[[Any, set[str]], set[str]]) -> None:
    _order_visibility[:] = [func]


def hidden_order_refs(principal: Any, refs: set[str]) -> set[str]:
    """Of these references, those naming an order `principal` may not see (none until orders
    registers its rule, or for an internal reader: principal None)."""
    if not _order_visibility or principal is None:
        return set()
    return set(_order_visibility[0](principal, set(refs)))

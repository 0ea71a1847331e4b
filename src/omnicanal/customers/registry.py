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

    registry.register_panel(name="loyalty", label=_("Loyalty"), render=render_panel, order=30)
    # render(request, customer_id) -> str (HTML fragment) for the customer 360 page
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MergeHook = Callable[..., None]
ExportHook = Callable[[str], Any]
EraseHook = Callable[..., None]


@dataclass(frozen=True)
class Panel:
    name: str
    label: str
    render: Callable[[Any, str], str]
    order: int = 100


_merge_hooks: dict[str, MergeHook] = {}
_export_hooks: dict[str, ExportHook] = {}
_erase_hooks: dict[str, EraseHook] = {}
_panels: dict[str, Panel] = {}


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

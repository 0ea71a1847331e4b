"""An import-linter contract type the built-in ones cannot express (wildcards stand for whole module
names only): nothing outside a domain imports its private parts.

A private module is one whose name starts with `_` (`omnicanal.orders._x`); it may be imported only
from inside its own package. A private name (`from omnicanal.orders.sourcing import _nearest`) may be
imported only from inside its own domain. Registered in pyproject.toml's [tool.importlinter]
`contract_types`; lint-imports puts the working directory on sys.path, so `make lint` and pre-commit
(both run from the repository root) find this module.
"""

from __future__ import annotations

import re

import grimp
from importlinter import Contract, ContractCheck, fields, output

_NAMES = re.compile(r"\bimport\s+\(?(.*?)\)?\s*$")


def _domain(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _private_names(line: str) -> list[str]:
    """The `_`-prefixed names a `from x import a, _b as c` line imports."""
    found = _NAMES.search(line)
    if not found or not line.lstrip().startswith("from "):
        return []
    names = [item.strip().split(" as ")[0].strip() for item in found.group(1).split(",")]
    return [name for name in names if name and _is_private(name)]


class PrivatePartsContract(Contract):
    """Configuration: `containers` (the packages whose children are domains, e.g. `omnicanal`) and
    an optional `ignore_imports` (`importer -> imported`, exact, each a named debt)."""

    type_name = "private_parts"

    containers = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ignored = {tuple(part.strip() for part in entry.split("->")) for entry in (self.ignore_imports or [])}
        broken: list[str] = []
        for container in self.containers:  # type: ignore[attr-defined]
            depth = len(container.split(".")) + 1
            for imported in sorted(graph.find_descendants(container)):
                parts = imported.split(".")
                private_at = next((i for i, part in enumerate(parts) if _is_private(part)), None)
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    if (importer, imported) in ignored:
                        continue
                    if private_at is not None:
                        owner = ".".join(parts[:private_at])
                        if not (importer == owner or importer.startswith(owner + ".")):
                            broken.append(f"{importer} -> {imported} (a private module of {owner})")
                            continue
                    if _domain(importer, depth) == _domain(imported, depth):
                        continue
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        names = _private_names(detail["line_contents"])
                        if names:
                            broken.append(f"{importer} -> {imported} (l.{detail['line_number']}: private "
                                          f"{', '.join(names)})")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(f"- {line}", bold=False)
        output.new_line()

"""Issue 14 item 6: a domain's rights live in one place, its roles.py, which the API and the console
both read. A role name written anywhere else in a domain's edges (api.py, views, apps.py's console
nav, consumers, services) or compared in its templates is a second copy that can drift.

The other helper's domains (orders, customers) join DOMAINS when their roles.py lands.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from omnicanal.core.models import Role

DOMAINS = ["catalog", "inventory", "loyalty", "conversations", "channels", "orders", "customers", "bot", "marketing", "feedback",
           "integrations", "analytics", "marketplaces"]
ROLE_NAMES = frozenset(Role.values)
SRC = Path(__file__).resolve().parents[3]  # src/
# The modules that decide who may act: the HTTP edges, the console's navigation and the services.
EDGES = ("api.py", "views.py", "*_views.py", "apps.py", "consumers.py", "services.py", "services/**/*.py")
# A template deciding by role instead of asking `user|may:"<app>.<RIGHT>"` (web.templatetags.rights).
TEMPLATE_ROLE_TEST = re.compile(r"\brole\s*(==|!=|\bin\b)|\.role\b")


def _edges(domain: str) -> list[Path]:
    root = SRC / "omnicanal" / domain
    return sorted({path for pattern in EDGES for path in root.glob(pattern)})


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def role_literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of every string literal naming a role, but docstrings and dict keys (data such as
    a template's "agent" context entry name no right)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            skip.update(id(key) for key in node.keys if key is not None)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROLE_NAMES
            and id(node) not in skip]


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_names_roles_only_in_its_roles_py(domain):
    assert (SRC / "omnicanal" / domain / "roles.py").exists()
    edges = _edges(domain)
    assert any(path.name == "api.py" or path.name == "views.py" for path in edges)
    found = [f"{path.relative_to(SRC)}:{line}: {name!r}" for path in edges
             for line, name in role_literals(path.read_text(encoding="utf-8"))]
    assert found == [], "role names outside roles.py (use the roles.py tuple):\n" + "\n".join(found)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_s_templates_ask_may_not_the_role(domain):
    templates = sorted((SRC / "omnicanal" / domain).glob("**/templates/**/*.html"))
    assert templates or not (SRC / "omnicanal" / domain / "views.py").exists()  # no console pages, no templates
    found = [f"{path.relative_to(SRC)}:{number}: {line.strip()[:100]}"
             for path in templates
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if TEMPLATE_ROLE_TEST.search(line)]
    assert found == [], "templates deciding by role (use user|may:\"<app>.<RIGHT>\"):\n" + "\n".join(found)


def test_the_scan_finds_a_role_literal_and_spares_data_and_docstrings():
    source = '"""Managers ("manager") only."""\nX = {"agent": 1}\ndef f(r):\n    return r in ("manager", "admin")\n'
    assert role_literals(source) == [(4, "manager"), (4, "admin")]


def test_role_allows_admits_the_tuple_s_roles_and_admins_only():
    from django.contrib.auth.models import AnonymousUser

    from omnicanal.core.auth import SYSTEM, Principal, holders, role_allows

    clerk = Principal(kind="user", id="1", name="c", role="store_staff", locations=frozenset({"SCL"}))
    assert role_allows(clerk, ("store_staff", "manager")) and not role_allows(clerk, ("manager",))
    assert role_allows(SYSTEM, ("manager",))  # admin
    assert not role_allows(None, ("manager",)) and not role_allows(AnonymousUser(), ("manager",))
    assert holders(("agent",)) == ("agent", "admin") and holders(("admin", "agent")) == ("admin", "agent")


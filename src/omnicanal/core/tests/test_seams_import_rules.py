"""The import rules of pyproject.toml hold today, and they catch what they forbid: another domain's
models, another domain's private parts, a cycle between the modules of a domain (planted in a copy
of the source tree, then checked by lint-imports as `make lint` runs it)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "src"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports is not installed beside python")


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_source_keeps_every_import_contract():
    # When lint-imports checks the source tree
    result = lint_imports(SRC)
    # Then every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_outbox_and_the_channels_services_do_not_import_their_tasks():
    # Given the import graph of the package
    graph = grimp.build_graph("omnicanal")
    # Then the two former cycles are gone: tasks import the modules, never the reverse
    assert graph.find_shortest_chain(importer="omnicanal.core.outbox", imported="omnicanal.core.tasks") is None
    assert graph.find_shortest_chain(importer="omnicanal.channels.services",
                                     imported="omnicanal.channels.tasks") is None
    assert graph.find_shortest_chain(importer="omnicanal.core.tasks", imported="omnicanal.core.outbox")
    assert graph.find_shortest_chain(importer="omnicanal.channels.tasks", imported="omnicanal.channels.services")


PLANTS = {
    # another domain's models from outside its models: broken
    "orders/planted_models.py": "from omnicanal.inventory.models import StockLevel  # noqa\n",
    # a private module of inventory, imported by orders: broken
    "inventory/_planted_private.py": "SECRET = 1\n",
    "orders/planted_private_module.py": "from omnicanal.inventory import _planted_private  # noqa\n",
    # a private name of another domain: broken
    "catalog/planted_name.py": "from omnicanal.inventory.locks import _ROW_KEY_MASK  # noqa\n",
    # a cycle between two modules of one domain: broken
    "customers/planted_a.py": "from omnicanal.customers import planted_b  # noqa\n",
    "customers/planted_b.py": "from omnicanal.customers import planted_a  # noqa\n",
}


def test_lint_imports_reports_each_planted_breach(tmp_path):
    # Given a copy of the source with a module of each forbidden kind planted
    shutil.copytree(SRC / "omnicanal", tmp_path / "omnicanal",
                    ignore=shutil.ignore_patterns("static", "templates", "locale", "__pycache__", "*.sqlite3"))
    for name, text in PLANTS.items():
        (tmp_path / "omnicanal" / name).write_text(text)
    # and, allowed, another domain's model imported by a domain's models (for a foreign key)
    with (tmp_path / "omnicanal" / "orders" / "models.py").open("a") as models:
        models.write("\nfrom omnicanal.inventory.models import Transfer as _PlantedForeignKey  # noqa\n")
    # When lint-imports checks it
    result = lint_imports(tmp_path)
    out = " ".join(result.stdout.split())
    # Then it fails, naming each breach, and not the foreign key
    assert result.returncode != 0
    assert "omnicanal.orders.planted_models -> omnicanal.inventory.models" in out
    assert "omnicanal.orders.planted_private_module -> omnicanal.inventory._planted_private" in out
    assert "omnicanal.catalog.planted_name -> omnicanal.inventory.locks" in out and "_ROW_KEY_MASK" in out
    assert "No cycles are allowed in omnicanal.customers" in out
    assert "omnicanal.orders.models -> omnicanal.inventory.models" not in out

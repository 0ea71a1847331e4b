"""Benchmarks: `make bench` runs every bench/bench_*.py; `make bench BENCH_ARGS="identify"` runs one.

Each module has `main(argv) -> None` and prints its figures. Benchmarks never run in CI (see
docs/operations.md for the targets and the figures measured on the reference machine).
"""

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [p for p in found if p.stem.removeprefix("bench_") in names]
    return found


def main(argv: list[str]) -> int:
    # Benchmarks serve plain HTTP on loopback against PostgreSQL: not the production TLS defaults
    # that DATABASE_URL otherwise turns on (SSL redirect, secure cookies).
    os.environ.setdefault("OMNICANAL_ENV", "development")
    names = [a for a in argv if not a.startswith("-")]
    paths = modules(names)
    if not paths:
        print(f"No benchmark matches {names}; have: {[p.stem for p in HERE.glob('bench_*.py')]}")
        return 1
    for path in paths:
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        # Registered under its name, so benchmarks whose clients are spawned processes can pickle
        # their module-level functions (multiprocessing looks them up by module name).
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        module.main([a for a in argv if a.startswith("-")])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmarks: `make bench` runs every bench/bench_*.py in one go; `make bench BENCH_ARGS="identify"` runs one.

    .venv/bin/python bench/run.py [NAME ...] [--option value ...]

Each benchmark runs as its own script in its own process (and process group): Django is set up
once per process, so two benchmarks in one process would share the first one's database, and
spawned clients pickle their functions by module name, which only a script on its own path gives
them. When a benchmark ends, whatever it left running in its group (servers, workers) is stopped
and the databases it names (`omnicanal_bench_<name>`) that it left are dropped, so the next one
starts clean. Options
(arguments starting with "-") go to every benchmark named; BENCH_<NAME>_ARGS to one
(`make bench BENCH_ARGS="reserve ledger" BENCH_LEDGER_ARGS="--transfers 50"`). Before the first measurement a warm-up
compiles the bytecode, imports Django and wakes PostgreSQL; at the end a summary table lists each
benchmark's status, time and headline figures (its last lines with a rate or a latency).

Benchmarks never run in CI (see docs/operations.md for the targets and the figures measured on the
reference machine).
"""

from __future__ import annotations

import compileall
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# A headline figure: a rate ("/s"), a latency percentile, or a ceiling ratio.
FIGURE = re.compile(r"\d\s*(?:[a-z]+)?/s\b|\bp(?:50|95|99)\b|% of the ceiling|\d+(?:\.\d+)?\s*s to\b", re.IGNORECASE)
FIGURES_PER_BENCH = 4


def modules(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [p for p in found if p.stem.removeprefix("bench_") in names]
    return found


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    # Benchmarks serve plain HTTP on loopback against PostgreSQL: not the production TLS defaults
    # that DATABASE_URL otherwise turns on (SSL redirect, secure cookies).
    env.setdefault("OMNICANAL_ENV", "development")
    # This checkout's source, whichever checkout the virtualenv was installed from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    return env


def _admin_url() -> str:
    base = os.environ.get("DATABASE_URL") or PG_URL
    if not base.startswith("postgres"):
        return PG_URL
    scheme, _, rest = base.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/postgres"


def own_databases(path: Path) -> set[str]:
    """The databases a benchmark names in its source (DB_NAME = "omnicanal_bench_reserve", …): the
    only ones cleaned after it, never another `omnicanal_bench_*` that someone else's run made."""
    return set(re.findall(r"\b(omnicanal_bench_[a-z0-9_]+)\b", path.read_text()))


def existing(names: set[str]) -> set[str] | None:
    """Which of these databases exist on the server (None when no PostgreSQL answers)."""
    if not names:
        return set()
    try:
        import psycopg

        with psycopg.connect(_admin_url(), autocommit=True, connect_timeout=3) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", [sorted(names)])
            return {name for (name,) in rows}
    except Exception:  # no server, no driver: nothing to clean
        return None


def drop_databases(names: set[str]) -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True, connect_timeout=3) as conn:
        for name in sorted(names):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"    dropped the database {name} it left behind", flush=True)


def warm_up(env: dict[str, str]) -> None:
    """Untimed: bytecode compiled, Django imported and set up once, PostgreSQL woken, so the first
    benchmark measures the same warm machine as the last."""
    started = time.monotonic()
    compileall.compile_dir(SRC, quiet=1, workers=0)
    compileall.compile_dir(HERE, quiet=1, maxlevels=0)
    probe = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'omnicanal.web.settings'); "
             "django.setup(); import omnicanal.web.urls")
    subprocess.run([sys.executable, "-c", probe], env={**env, "DATABASE_URL": ""}, cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=False)
    existing({"postgres"})
    print(f"warm-up: {time.monotonic() - started:.1f} s (bytecode, Django, PostgreSQL)", flush=True)


def stop_group(process: subprocess.Popen) -> None:
    """Stop what the benchmark left running in its own process group (uvicorn, workers, clients)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        time.sleep(1)


def own_options(path: Path) -> list[str]:
    """Options for one benchmark alone: BENCH_RESERVE_ARGS="--seconds 2" for bench_reserve."""
    return shlex.split(os.environ.get(f"BENCH_{path.stem.removeprefix('bench_').upper()}_ARGS", ""))


def run_one(path: Path, options: list[str], env: dict[str, str]) -> dict:
    options = [*options, *own_options(path)]
    print(f"\n=== {path.stem} {shlex.join(options)}".rstrip() + " ===", flush=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(path), *options], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip())
        process.wait()
    except KeyboardInterrupt:
        stop_group(process)
        raise
    finally:
        seconds = time.monotonic() - started
        stop_group(process)
        left = existing(own_databases(path))
        if left and "--keep" not in options:
            with suppress(Exception):
                drop_databases(left)
    figures = [line.strip() for line in lines if FIGURE.search(line)][-FIGURES_PER_BENCH:]
    return {"name": path.stem.removeprefix("bench_"), "rc": process.returncode, "seconds": seconds,
            "figures": figures}


def summary(results: list[dict]) -> str:
    width = max(len(r["name"]) for r in results)
    rows = [f"{'benchmark':<{width}}  status  seconds  headline figures", "-" * (width + 60)]
    for r in results:
        status = "ok" if r["rc"] == 0 else f"rc={r['rc']}"
        figures = r["figures"] or ["(no figure printed)"]
        rows.append(f"{r['name']:<{width}}  {status:<6}  {r['seconds']:7.1f}  {figures[0]}")
        rows += [f"{'':<{width}}  {'':<6}  {'':>7}  {figure}" for figure in figures[1:]]
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    known = {p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")}
    # Names are the benchmarks'; everything else (options and their values) goes to each one.
    names = [a for a in argv if a in known]
    options = [a for a in argv if a not in known]
    unknown = [a for a in options if not a.startswith("-") and (argv.index(a) == 0 or not argv[argv.index(a) - 1].startswith("-"))]
    paths = modules(names)
    if unknown or not paths:
        print(f"No benchmark matches {unknown or names}; have: {sorted(known)}")
        return 1
    env = bench_env()
    warm_up(env)
    results = [run_one(path, options, env) for path in paths]
    print("\n=== summary ===\n" + summary(results), flush=True)
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

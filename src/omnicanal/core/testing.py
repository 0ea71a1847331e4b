"""Test helpers that more than one domain needs.

`run_in_processes("pkg.module:function", [args, ...])` runs the function once per argument tuple, each
in a fresh process connected to the current test database, all released at the same instant by a
barrier. Promises about concurrency (no oversell, no double spend, one effect per Idempotency-Key)
are proven with it on PostgreSQL, across processes and not only threads. Use it from tests marked
`transactional_db` (the children only see committed data).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from typing import Any

from django.conf import settings
from django.db import connection


def _child_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings"),
        "OMNICANAL_TESTING": "1",
        # the parent's own key (settings may have read it from var/secret_key before the root conftest
        # set the variable): children must decrypt what the parent stored (inbox secrets)
        "SECRET_KEY": str(settings.SECRET_KEY),
    }
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        env["DATABASE_URL"] = f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = ""
        env["SQLITE_PATH"] = str(settings_dict["NAME"])
    return env


def _child(target: str, index: int, args: tuple, barrier, queue, env: dict[str, str]) -> None:
    for name, value in env.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    import django

    django.setup()
    from django.db import connections
    from django.utils.module_loading import import_string

    func = import_string(target.replace(":", "."))
    try:
        barrier.wait(timeout=120)
        queue.put((index, "ok", func(*args)))
    except BaseException as exc:  # report everything; the parent decides
        queue.put((index, "error", f"{exc!r}\n{traceback.format_exc()}"))
    finally:
        connections.close_all()


def run_in_processes(target: str, args_list: list[tuple], timeout: float = 300) -> list[Any]:
    """Results in the order of args_list; raises if a child failed or timed out."""
    return run_together([(target, args) for args in args_list], timeout=timeout)


def run_together(jobs: list[tuple[str, tuple]], timeout: float = 300) -> list[Any]:
    """`run_in_processes` for different functions: [("pkg.module:function", args), ...], one process
    each, released together (a bot's turn against an agent's reply)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    queue = ctx.Queue()
    env = _child_env()
    processes = [
        ctx.Process(target=_child, args=(target, i, args, barrier, queue, env), daemon=True)
        for i, (target, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    results: dict[int, tuple[str, Any]] = {}
    try:
        for _ in processes:
            index, status, value = queue.get(timeout=timeout)
            results[index] = (status, value)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    errors = [value for status, value in results.values() if status == "error"]
    if errors:
        raise AssertionError(f"{len(errors)} child process(es) failed; first:\n{errors[0]}")
    return [results[i][1] for i in range(len(jobs))]


def start_process(target: str, args: tuple = ()):
    """Start `target(*args)` in one fresh process against the test database and return the running
    `multiprocessing.Process`, not waited for: for crash tests that kill it mid-work (kill(), then
    join() so it is reaped). Use it from `django_db(transaction=True)` tests."""
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(1), ctx.Queue()
    process = ctx.Process(target=_child, args=(target, 0, args, barrier, queue, _child_env()), daemon=True)
    process.start()
    process.keep_alive = (barrier, queue)  # type: ignore[attr-defined]  # the child unpickles them after start(): keep them alive
    return process


def role_literals(domain: str) -> list[str]:
    """`file:line 'role'` for each role name written as a string in a domain's code outside its
    roles.py (tests and migrations aside): the domain's rights have one place (docs/architecture.md)."""
    import ast
    from pathlib import Path

    from omnicanal.core.models import Role

    names = {role.value for role in Role}
    root = Path(__file__).resolve().parents[1] / domain
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "roles.py" or {"tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append(f"{domain}/{path.relative_to(root)}:{node.lineno} {node.value!r}")
    return found

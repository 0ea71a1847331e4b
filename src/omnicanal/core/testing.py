"""Test helpers that more than one domain needs.

`run_in_processes("pkg.module:function", [args, ...])` runs the function once per argument tuple, each
in a fresh process connected to the current test database, all released at the same instant by a
barrier. Promises about concurrency (no oversell, no double spend, one effect per Idempotency-Key)
are proven with it on PostgreSQL, across processes and not only threads. Use it from tests marked
`transactional_db` (the children only see committed data).

Children fork from a fork server that set Django up once (`omnicanal.core.testing_child`), instead of
each starting Python afresh and setting Django up itself: `django.setup()` costs about 4 s of CPU (the
apps and their libraries imported), and the multi-process tests start 2 to 10 children a call, up
to 8 at once on 2 cores. A child is still a process of its own, connected on its own (the fork server
never opens a connection), with the same settings a fresh one reads from the same environment.
The fork server starts at the first use with the children's environment; were it ever asked for
another (another test database), that call spawns fresh processes. TEST_CHILD_START=spawn spawns
them always (to compare, or to rule the fork server out).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.context import ForkServerContext, SpawnContext
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


def _apply(env: dict[str, str]) -> None:
    for name, value in env.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)


PRELOAD = "omnicanal.core.testing_child"  # the fork server imports it: Django set up, no connection open
_forkserver_env: tuple | None = None  # the environment the fork server was started with, once started


def _context(env: dict[str, str]) -> ForkServerContext | SpawnContext:
    """The fork server's context, started now with `env` if not yet; spawn when it runs with another
    environment (its Django read settings from it) or when TEST_CHILD_START=spawn."""
    global _forkserver_env
    key = tuple(sorted(env.items()))
    if os.environ.get("TEST_CHILD_START") == "spawn" or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    if _forkserver_env is None:
        from multiprocessing import forkserver

        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([PRELOAD])
        saved = dict(os.environ)
        _apply(env)  # the fork server inherits this process's environment as it starts
        try:
            forkserver.ensure_running()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        _forkserver_env = key
    return mp.get_context("forkserver") if _forkserver_env == key else mp.get_context("spawn")


def _child(target: str, index: int, args: tuple, barrier, queue, env: dict[str, str]) -> None:
    _apply(env)
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
    env = _child_env()
    ctx = _context(env)
    barrier = ctx.Barrier(len(jobs))
    queue = ctx.Queue()
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
    env = _child_env()
    ctx = _context(env)
    barrier, queue = ctx.Barrier(1), ctx.Queue()
    process = ctx.Process(target=_child, args=(target, 0, args, barrier, queue, env), daemon=True)
    process.start()
    process.keep_alive = (barrier, queue)  # type: ignore[union-attr]  # the child unpickles them after start(): keep them alive
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


def run_in_a_thread(body: Callable[[], Any], *, timeout: float = 60.0) -> None:
    """Run `body` in a new thread and re-raise its failure in the caller's: a thread with no event loop
    (after the browser tests Playwright's loop runs in the main thread) and a database connection of
    its own, closed at its end."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:  # noqa: BLE001  # re-raised in the caller's thread
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=timeout)
    assert not thread.is_alive(), "the thread's body hung"
    if failure:
        raise failure[0]


def hot_statements(monkeypatch) -> list[str]:
    """The SQL of the statements core.libpq runs itself (HotStatement: a reservation, a checkout's or an
    inbound batch's rows), which Django's query log never sees, in the order they run. A test that
    counts statements adds these to CaptureQueriesContext's."""
    from omnicanal.core import libpq

    seen: list[str] = []
    run_encoded = libpq.HotStatement.run_encoded

    def spied(self, params, db=None):
        seen.append(self.sql.decode())
        return run_encoded(self, params, db)

    monkeypatch.setattr(libpq.HotStatement, "run_encoded", spied)
    return seen


@contextlib.contextmanager
def worker_queued() -> Iterator[None]:
    """huey not immediate: events wait for a drain, as under load; the queue emptied afterwards."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    try:
        yield
    finally:
        HUEY.flush()
        HUEY.immediate = True

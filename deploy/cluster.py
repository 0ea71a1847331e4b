"""A cluster on this machine: HAProxy in front of two web nodes and two workers on PostgreSQL and Redis.

    python deploy/cluster.py up      [--state var/cluster] [--port-base 18080] [--db omnicanal_cluster]
                                     [--redis-db 12] [--fresh]
    python deploy/cluster.py down    [--state var/cluster]
    python deploy/cluster.py status  [--state var/cluster]
    python deploy/cluster.py kill NAME / start NAME   (kill -9 one process / start it again: web1, worker2…)
    python deploy/cluster.py check   [--state var/cluster]   (the invariants, as JSON)

`make cluster` and `make cluster-stop` call `up` and `down`. The topology is deploy/'s own files: the
balancer runs deploy/haproxy.cfg as it is (its addresses come from the environment), the processes get
the keys of deploy/omnicanal.env.example with local values (written to <state>/omnicanal.env) and run
the commands of deploy/systemd/. HAProxy is Debian's package, installed with apt-get when missing (as
root); without it `up` fails and says why. Every process is started in its own session and stopped by
the pid recorded in <state>/state.json, never by name. docs/scaling.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
WEB = ("web1", "web2")
WORKERS = ("worker1", "worker2")
# Variables of the test runner that must not leak into the cluster's processes (they would run in
# test mode: huey immediate, no pool, throttles in the database).
SCRUB = ("OMNICANAL_TESTING", "TEST_DB_NAME", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL",
         "OMNICANAL_ENV", "SECRET_KEY")


class ClusterError(RuntimeError):
    pass


# --- state -------------------------------------------------------------------------------------

def _state_path(state_dir: Path) -> Path:
    return state_dir / "state.json"


def load(state_dir: Path) -> dict:
    path = _state_path(state_dir)
    if not path.exists():
        raise ClusterError(f"no cluster state at {path}: `make cluster` first")
    return json.loads(path.read_text())


def _save(state: dict) -> None:
    path = _state_path(Path(state["state_dir"]))
    path.write_text(json.dumps(state, indent=2))
    path.chmod(0o600)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (our own child not yet reaped) is dead for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


# --- the balancer ------------------------------------------------------------------------------

def haproxy_binary() -> str:
    """Debian's haproxy, installed with apt-get when missing and we are root; else a ClusterError."""
    found = shutil.which("haproxy") or (os.path.exists("/usr/sbin/haproxy") and "/usr/sbin/haproxy")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ClusterError("HAProxy is not installed and cannot be (needs root and apt-get): "
                           "apt-get install haproxy")
    print("==> installing Debian's haproxy (apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "haproxy"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0 and command[1] == "install":
            raise ClusterError(f"apt-get install haproxy failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not os.path.exists(found):
        raise ClusterError("apt-get installed haproxy but no haproxy binary was found")
    return found


# --- environment -------------------------------------------------------------------------------

def _ports(base: int) -> dict[str, int]:
    return {"balancer": base, "web1": base + 1, "web2": base + 2, "stats": base + 9}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _database_urls(db: str) -> tuple[str, str]:
    base = os.environ.get("CLUSTER_DATABASE_URL") or os.environ.get("DATABASE_URL") \
        or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{db}"))


def _create_database(admin_url: str, db: str, fresh: bool, template: str | None = None) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
            exists = None
        if not exists:
            # A migrated template (the tests' database) saves the migrations' half minute.
            conn.execute(f'CREATE DATABASE "{db}"' + (f' TEMPLATE "{template}"' if template else ""))


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _env_file_values(state_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """The keys of deploy/omnicanal.env.example with this machine's values (plain HTTP: no TLS here)."""
    path = state_dir / "omnicanal.env"
    secret = None
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("SECRET_KEY="):
                secret = line.split("=", 1)[1]
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OMNICANAL_ENV": "production",
        # The local balancer speaks plain HTTP: no HTTPS redirect, HSTS or secure-only cookies.
        "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "THROTTLE_TRUSTED_PROXIES": "1",
        # small pools: this machine's PostgreSQL serves other things too
        "DB_POOL_SIZE": "4",
        "WORKER_THREADS": "2",
        "OUTBOX_RELAY_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
        "UVICORN_LOG_LEVEL": "warning",
        "OMNICANAL_VAR": str(state_dir / "var"),
    }


def _write_env_file(state_dir: Path, values: dict[str, str]) -> Path:
    path = state_dir / "omnicanal.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    path.chmod(0o600)
    return path


def process_env(state: dict, node: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in SCRUB}
    env.update(state["env"])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    if node:
        env["OMNICANAL_NODE"] = node
    return env


def _omnicanal(state: dict, *args: str, node: str | None = None) -> list[str]:
    return [state["python"], "-m", "omnicanal.cli", *args]


# --- processes ---------------------------------------------------------------------------------

def _command(state: dict, name: str) -> tuple[list[str], dict[str, str]]:
    ports = state["ports"]
    if name in WEB:
        return (_omnicanal(state, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(ports[name])),
                process_env(state, name))
    if name in WORKERS:
        return _omnicanal(state, "worker"), process_env(state, name)
    if name == "balancer":
        env = {**os.environ, "OMNICANAL_BIND": f"127.0.0.1:{ports['balancer']}",
               "OMNICANAL_WEB1": f"127.0.0.1:{ports['web1']}", "OMNICANAL_WEB2": f"127.0.0.1:{ports['web2']}",
               "OMNICANAL_STATS": f"127.0.0.1:{ports['stats']}"}
        return [state["haproxy"], "-db", "-f", str(HAPROXY_CFG)], env
    raise ClusterError(f"no process called {name!r}: {', '.join(('balancer', *WEB, *WORKERS))}")


def start(state: dict, name: str) -> int:
    if _alive(state["pids"].get(name)):
        raise ClusterError(f"{name} is already running (pid {state['pids'][name]})")
    command, env = _command(state, name)
    log = open(Path(state["state_dir"]) / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    state["pids"][name] = process.pid
    _save(state)
    return process.pid


def kill(state: dict, name: str) -> int:
    """kill -9, as a crash would."""
    pid = state["pids"].get(name)
    if not _alive(pid):
        raise ClusterError(f"{name} is not running")
    os.kill(pid, signal.SIGKILL)
    _wait_dead([pid], 10)
    return pid


def sever_database(state: dict) -> int:
    """What a PostgreSQL restart does to its clients, to this cluster's database only (the server is
    shared): every connection to it terminated. The number of connections cut."""
    import psycopg

    admin_url, _ = _database_urls(state["database"])
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", [state["database"]]).fetchone()[0]


def _wait_dead(pids: list[int], timeout: float) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pids = [pid for pid in pids if _alive(pid)]
        if not pids:
            return []
        _reap()
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def down(state_dir: Path, grace: float = 15) -> list[str]:
    """SIGTERM (SIGINT for the app: uvicorn and huey finish what they hold) to every recorded process,
    then SIGKILL to any still alive after `grace` seconds. Only the recorded pids, each with its session."""
    try:
        state = load(state_dir)
    except ClusterError:
        return []
    stopped = []
    running = {name: pid for name, pid in state["pids"].items() if _alive(pid)}
    for name, pid in running.items():
        try:
            os.killpg(pid, signal.SIGTERM if name == "balancer" else signal.SIGINT)
        except ProcessLookupError:
            continue
        stopped.append(name)
    for pid in _wait_dead(list(running.values()), grace):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        stopped = [f"{name} (SIGKILL after {grace:.0f} s)" if running[name] == pid else name for name in stopped]
    _wait_dead(list(running.values()), 5)
    state["pids"] = {}
    _save(state)
    return stopped


# --- probes ------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
            timeout: float = 10) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})} if data else dict(headers or {})
        conn.request(method, path, data, all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def health(state: dict, node: str) -> dict:
    """/health through the balancer, pinned to one node."""
    status, headers, body = request(state["ports"]["balancer"], "GET", "/health", headers={"X-Omnicanal-Node": node})
    return {"http": status, "served_by": headers.get("x-omnicanal-served-by"), **json.loads(body or b"{}")}


def wait_healthy(state: dict, timeout: float = 90, worker: bool = True) -> dict[str, dict]:
    """Until both nodes answer /health ok through the balancer (and a worker's heartbeat is fresh)."""
    end = time.monotonic() + timeout
    last: dict[str, dict] = {}
    while time.monotonic() < end:
        for name, pid in state["pids"].items():
            if not _alive(pid):
                raise ClusterError(f"{name} died: see {Path(state['state_dir']) / (name + '.log')}")
        try:
            last = {node: health(state, node) for node in WEB}
        except (OSError, ValueError) as exc:
            last = {"error": {"detail": repr(exc)}}
        else:
            good = all(h["http"] == 200 and h.get("node") == node and h.get("served_by") == node
                       for node, h in last.items())
            if good and (not worker or all(h["worker"]["status"] == "ok" for h in last.values())):
                return last
        time.sleep(0.5)
    raise ClusterError(f"the cluster did not become healthy in {timeout:.0f} s: {last}")


# --- seeding -----------------------------------------------------------------------------------

def _seed() -> None:
    """Run inside the cluster's environment: an admin API key and a signed-in agent (a session),
    printed as JSON for state.json (0600)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from omnicanal.core.services import do_create_api_key

    with transaction.atomic():
        key = do_create_api_key(role="admin", name="cluster")
        user, _ = get_user_model().objects.get_or_create(username="cluster-agent", defaults={"role": "agent"})
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "omnicanal.core.backends.ThrottledModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    print(json.dumps({"api_key": key.secret, "agent_session": session.session_key}))


# --- up ----------------------------------------------------------------------------------------

def up(state_dir: Path, port_base: int, db: str, redis_db: int, fresh: bool, template: str | None = None) -> dict:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "var").mkdir(exist_ok=True)
    try:
        old = load(state_dir)
    except ClusterError:
        old = None
    if old and any(_alive(pid) for pid in old["pids"].values()):
        raise ClusterError(f"a cluster is already running from {state_dir}: `make cluster-stop` first")
    ports = _ports(port_base)
    busy = [f"{name} {port}" for name, port in ports.items() if not _port_free(port)]
    if busy:
        raise ClusterError(f"ports in use: {', '.join(busy)} (choose another --port-base)")
    haproxy = haproxy_binary()
    admin_url, url = _database_urls(db)
    redis_url = f"{os.environ.get('CLUSTER_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/{redis_db}"
    _create_database(admin_url, db, fresh, template)
    if fresh:
        _flush_redis(redis_url)
    values = _env_file_values(state_dir, url, redis_url)
    _write_env_file(state_dir, values)
    state = {"state_dir": str(state_dir), "ports": ports, "database": db, "redis_url": redis_url,
             "python": sys.executable, "haproxy": haproxy, "env": values, "pids": {}}
    _save(state)
    t0 = time.monotonic()
    # From a migrated template there is nothing to apply (and /health would say so: 503, "N pending").
    migrate = None if template else subprocess.run(
        _omnicanal(state, "migrate", "--noinput"), env=process_env(state), cwd=ROOT, capture_output=True, text=True)
    if migrate and migrate.returncode:
        raise ClusterError(f"migrate failed:\n{migrate.stdout[-3000:]}{migrate.stderr[-3000:]}")
    seeded = subprocess.run([sys.executable, __file__, "_seed"], env=process_env(state), cwd=ROOT,
                            capture_output=True, text=True)
    if seeded.returncode:
        raise ClusterError(f"seeding failed:\n{seeded.stderr[-3000:]}")
    state["seed"] = json.loads(seeded.stdout.strip().splitlines()[-1])
    state["migrated_in"] = round(time.monotonic() - t0, 1)
    try:
        for name in (*WEB, *WORKERS, "balancer"):
            start(state, name)
        state["health"] = wait_healthy(state)
    except BaseException:
        down(state_dir)
        raise
    state["up_in"] = round(time.monotonic() - t0, 1)
    _save(state)
    return state


# --- invariants --------------------------------------------------------------------------------

def check(state: dict) -> dict:
    """The invariants, read with plain SQL (an auditor's view, apart from the application's code):
    counts, and every violation found (each list must be empty)."""
    import psycopg

    _, url = _database_urls(state["database"])
    with psycopg.connect(url) as conn:
        def one(sql: str) -> int:
            return conn.execute(sql).fetchone()[0]

        def rows(sql: str) -> list:
            return [list(row) for row in conn.execute(sql).fetchall()]

        return {
            "counts": {
                "orders": one("SELECT count(*) FROM orders_order"),
                "order_units": one("SELECT coalesce(sum(quantity), 0) FROM orders_orderline"),
                "stock_on_hand": one("SELECT coalesce(sum(on_hand), 0) FROM inventory_stocklevel"),
                "stock_reserved": one("SELECT coalesce(sum(reserved), 0) FROM inventory_stocklevel"),
                "movements": one("SELECT count(*) FROM inventory_stockmovement"),
                "held_units": one("SELECT coalesce(sum(quantity), 0) FROM inventory_reservationline "
                                  "WHERE state = 'held'"),
                "outbox_events": one("SELECT count(*) FROM core_outboxevent"),
                "outbox_done": one("SELECT count(*) FROM core_outboxevent WHERE status = 'done'"),
                "idempotency_keys": one("SELECT count(*) FROM core_idempotencyrecord"),
            },
            "violations": {
                # on_hand is the sum of the ledger's signed movements, per stock level
                "stock_not_sum_of_movements": rows(
                    "SELECT s.id, s.on_hand, coalesce(sum(m.quantity), 0) FROM inventory_stocklevel s "
                    "LEFT JOIN inventory_stockmovement m ON m.stock_id = s.id GROUP BY s.id, s.on_hand "
                    "HAVING s.on_hand <> coalesce(sum(m.quantity), 0)"),
                # nothing oversold: never more reserved than on hand, never negative
                "oversold": rows("SELECT id, on_hand, reserved FROM inventory_stocklevel "
                                 "WHERE reserved > on_hand OR on_hand < 0 OR reserved < 0"),
                # what is reserved is what held reservation lines say
                "reserved_not_held_lines": rows(
                    "SELECT s.id, s.reserved, coalesce(sum(l.quantity), 0) FROM inventory_stocklevel s "
                    "LEFT JOIN inventory_reservationline l ON l.stock_id = s.id AND l.state = 'held' "
                    "GROUP BY s.id, s.reserved HAVING s.reserved <> coalesce(sum(l.quantity), 0)"),
                # every outbox event handled, each handler once
                "outbox_not_done": rows("SELECT id, topic, status, attempts FROM core_outboxevent "
                                        "WHERE status <> 'done' ORDER BY id LIMIT 20"),
                "outbox_handler_twice": rows(
                    "SELECT id, topic, done_handlers FROM core_outboxevent WHERE jsonb_array_length("
                    "done_handlers) <> (SELECT count(DISTINCT h) FROM jsonb_array_elements_text(done_handlers) h)"),
                # an Idempotency-Key left claimed but unanswered
                "idempotency_unfinished": rows("SELECT scope, key FROM core_idempotencyrecord WHERE NOT completed"),
            },
        }


# --- command line ------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    if argv[:1] == ["_seed"]:
        _seed()
        return 0
    parser = argparse.ArgumentParser(prog="deploy/cluster.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status", "kill", "start", "check"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--state", default=os.environ.get("CLUSTER_STATE", str(ROOT / "var" / "cluster")))
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("CLUSTER_PORT_BASE", "18080")))
    parser.add_argument("--db", default=os.environ.get("CLUSTER_DB", "omnicanal_cluster"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("CLUSTER_REDIS_DB", "12")))
    parser.add_argument("--fresh", action="store_true", help="drop the database and flush the Redis db first")
    parser.add_argument("--template", help="create the database as a copy of this (migrated) one")
    args = parser.parse_args(argv)
    state_dir = Path(args.state).resolve()
    try:
        if args.action == "up":
            state = up(state_dir, args.port_base, args.db, args.redis_db, args.fresh, args.template)
            _print_up(state)
        elif args.action == "down":
            stopped = down(state_dir)
            print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        elif args.action == "status":
            state = load(state_dir)
            for name, pid in state["pids"].items():
                print(f"{name:9} pid {pid:<8} {'up' if _alive(pid) else 'DOWN'}")
            try:
                print(json.dumps({node: health(state, node) for node in WEB}, indent=2))
            except OSError as exc:
                print(f"the balancer does not answer: {exc}")
        elif args.action in {"kill", "start"}:
            state = load(state_dir)
            pid = (kill if args.action == "kill" else start)(state, args.name or "")
            print(f"{args.action} {args.name}: pid {pid}")
        elif args.action == "check":
            print(json.dumps(check(load(state_dir)), indent=2))
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    return 0


def _print_up(state: dict) -> None:
    ports = state["ports"]
    print(f"omnicanal cluster up in {state['up_in']} s (migrations and seed {state['migrated_in']} s)")
    print(f"  balancer  http://127.0.0.1:{ports['balancer']}/  (HAProxy {state['haproxy']}, "
          f"stats http://127.0.0.1:{ports['stats']}/)")
    for node in WEB:
        h = state["health"][node]
        print(f"  {node}      127.0.0.1:{ports[node]}  pid {state['pids'][node]}  /health {h['status']} "
              f"(node {h['node']}, worker {h['worker']['status']})")
    for name in WORKERS:
        print(f"  {name}   pid {state['pids'][name]}")
    print(f"  database  {state['database']} (PostgreSQL)   redis {state['redis_url']}")
    print(f"  admin API key in {Path(state['state_dir']) / 'state.json'}; logs in {state['state_dir']}")
    print(f"  try: curl -s http://127.0.0.1:{ports['balancer']}/health   stop: make cluster-stop")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

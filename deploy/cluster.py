"""A cluster on this machine: HAProxy in front of two web nodes and two workers on PostgreSQL and Redis.

    python deploy/cluster.py up      [--state var/cluster] [--port-base 18080] [--db omnicanal_cluster]
                                     [--redis-db 12] [--fresh] [--own-postgres]
    python deploy/cluster.py down    [--state var/cluster]
    python deploy/cluster.py status  [--state var/cluster]
    python deploy/cluster.py kill NAME / start NAME   (kill -9 one process / start it again: web1, worker2…)
    python deploy/cluster.py check   [--state var/cluster]   (`omnicanal invariants --settled --json`)
    python deploy/cluster.py restart-postgres                (--own-postgres only: pg_ctl restart -m immediate)

`make cluster` and `make cluster-stop` call `up` and `down`. The topology is deploy/'s own files: the
balancer runs deploy/haproxy.cfg as it is (its addresses come from the environment), the processes get
the keys of deploy/omnicanal.env.example with local values (written to <state>/omnicanal.env) and run
the commands of deploy/systemd/. HAProxy is Debian's package, installed with apt-get when missing (as
root); without it `up` fails and says why. `--own-postgres` (or CLUSTER_OWN_POSTGRES=1) runs a private
PostgreSQL server for the cluster (Debian's binaries, initdb into <state>/postgres, on the port block's
base + 5) instead of a database on DATABASE_URL's shared server: that one the fault drill may restart.
Every process is started in its own session and stopped by
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


# --- an own PostgreSQL server (--own-postgres) -------------------------------------------------

PG_BIN = Path(os.environ.get("CLUSTER_PG_BIN", "/usr/lib/postgresql/15/bin"))
# A throwaway server: durability traded for speed where only a crash of the machine would show it
# (fsync off: the OS still holds what was written when the server crashes). synchronous_commit stays
# on: off, a crash of the server itself (the drill's `restart -m immediate`) loses commits already
# answered (seen: two webhook deliveries answered 200 and gone after the restart).
PG_SETTINGS = {"listen_addresses": "'127.0.0.1'", "fsync": "off", "full_page_writes": "off",
               "max_connections": "100", "shared_buffers": "64MB"}


def _pg(name: str) -> str:
    path = PG_BIN / name
    if not path.exists():
        raise ClusterError(f"no {path}: install Debian's postgresql-15 (or set CLUSTER_PG_BIN) for --own-postgres")
    return str(path)


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: as root they run as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_run(command: list[str], what: str, timeout: float = 90) -> None:
    # its own session: the server pg_ctl leaves running is no child of ours to be signalled with us
    done = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=timeout,
                          start_new_session=True, stdin=subprocess.DEVNULL)
    if done.returncode:
        raise ClusterError(f"{what} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def postgres_up(state_dir: Path, port: int) -> dict:
    """initdb into <state>/postgres (once) and start the server on `port`; its facts for state.json."""
    data, log = state_dir / "postgres", state_dir / "postgres.log"
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        state_dir.chmod(state_dir.stat().st_mode | 0o011)  # the server (user postgres) reaches its data
        log.touch()
        os.chown(log, owner.pw_uid, owner.pw_gid)
    if not (data / "PG_VERSION").exists():
        data.mkdir(mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(data, owner.pw_uid, owner.pw_gid)
        _pg_run([_pg("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync"], "initdb")
    with open(data / "postgresql.conf", "a") as conf:  # the last setting of a name wins
        conf.write("".join(f"{key} = {value}\n" for key, value in
                           {**PG_SETTINGS, "port": str(port), "unix_socket_directories": f"'{data}'"}.items()))
    running = subprocess.run(_as_postgres([_pg("pg_ctl"), "-D", str(data), "status"]), capture_output=True)
    if running.returncode:  # 3: not running (a cluster left running keeps its server)
        _pg_run([_pg("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"], "pg_ctl start")
    return {"data": str(data), "log": str(log), "port": port, "url": f"postgres://postgres@127.0.0.1:{port}/postgres"}


def restart_postgres(state: dict, mode: str = "immediate") -> float:
    """pg_ctl restart: `immediate` is a crash (no checkpoint, recovery at start), `fast` a clean stop.
    Every client's connection dies either way. The seconds until the server accepts connections again."""
    server = state.get("postgres")
    if not server:
        raise ClusterError("this cluster runs on a shared PostgreSQL, which is never restarted: up --own-postgres")
    t0 = time.monotonic()
    _pg_run([_pg("pg_ctl"), "-D", server["data"], "-l", server["log"], "-m", mode, "-w", "-t", "60", "restart"],
            "pg_ctl restart")
    return round(time.monotonic() - t0, 2)


def postgres_down(state: dict) -> bool:
    server = state.get("postgres")
    if not server or not (Path(server["data"]) / "postmaster.pid").exists():
        return False
    _pg_run([_pg("pg_ctl"), "-D", server["data"], "-m", "fast", "-w", "-t", "30", "stop"], "pg_ctl stop")
    return True


def _copy_database(source_url: str, target_url: str) -> None:
    """A migrated database copied across servers (schema and rows): pg_dump into psql."""
    dump = subprocess.Popen([_pg("pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    load = subprocess.run([_pg("psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", target_url], stdin=dump.stdout,
                          capture_output=True, text=True)
    dump.stdout.close()
    dumped = dump.wait()
    if dumped or load.returncode:
        raise ClusterError(f"copying the database failed:\n{dump.stderr.read().decode()[-2000:]}{load.stderr[-2000:]}")


# --- environment -------------------------------------------------------------------------------

def _ports(base: int) -> dict[str, int]:
    return {"balancer": base, "web1": base + 1, "web2": base + 2, "postgres": base + 5, "stats": base + 9}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _database_urls(db: str, server: str | None = None) -> tuple[str, str]:
    """The server's admin URL and the cluster database's: `server` (the own PostgreSQL's), else
    CLUSTER_DATABASE_URL's or DATABASE_URL's server, else the local one."""
    base = server or os.environ.get("CLUSTER_DATABASE_URL") or os.environ.get("DATABASE_URL") \
        or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{db}"))


def _urls(state: dict) -> tuple[str, str]:
    return _database_urls(state["database"], (state.get("postgres") or {}).get("url"))


def _create_database(admin_url: str, db: str, fresh: bool, template: str | None = None) -> bool:
    """True when the database was created now (False: it was there already)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
            exists = None
        if not exists:
            # A migrated template (the tests' database) saves the migrations' half minute.
            conn.execute(f'CREATE DATABASE "{db}"' + (f' TEMPLATE "{template}"' if template else ""))
    return not exists


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
    """What a PostgreSQL restart does to its clients, to this cluster's database only (without
    restarting a server other work may share): every connection to it terminated. The number cut."""
    import psycopg

    admin_url, _ = _urls(state)
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
    try:
        if postgres_down(state):  # last: the app's processes let go of their connections first
            stopped.append("postgres")
    except (ClusterError, subprocess.TimeoutExpired) as exc:
        stopped.append(f"postgres (not stopped: {exc})")
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

def up(state_dir: Path, port_base: int, db: str, redis_db: int, fresh: bool, template: str | None = None,
       own_postgres: bool = False) -> dict:
    """Start the cluster. `template`: a migrated database on the shared server to start from (a copy:
    TEMPLATE on the same server, pg_dump into the own one). `own_postgres`: a private server (above)."""
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
    redis_url = f"{os.environ.get('CLUSTER_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/{redis_db}"
    state = {"state_dir": str(state_dir), "ports": ports, "database": db, "redis_url": redis_url,
             "python": sys.executable, "haproxy": haproxy, "env": {}, "pids": {}}
    t0 = time.monotonic()
    try:
        if own_postgres:
            state["postgres"] = postgres_up(state_dir, ports["postgres"])
            _save(state)  # from here on `down` stops the server too
        admin_url, url = _urls(state)
        created = _create_database(admin_url, db, fresh, None if own_postgres else template)
        if own_postgres and template and created:
            _copy_database(_database_urls(template)[1], url)
        if fresh:
            _flush_redis(redis_url)
        state["env"] = _env_file_values(state_dir, url, redis_url)
        _write_env_file(state_dir, state["env"])
        _save(state)
        _migrate_and_seed(state, migrate=not template)
        state["migrated_in"] = round(time.monotonic() - t0, 1)
        for name in (*WEB, *WORKERS, "balancer"):
            start(state, name)
        state["health"] = wait_healthy(state)
    except BaseException:
        down(state_dir)
        raise
    state["up_in"] = round(time.monotonic() - t0, 1)
    _save(state)
    return state


def _migrate_and_seed(state: dict, migrate: bool) -> None:
    # From a migrated template there is nothing to apply (and /health would say so: 503, "N pending").
    if migrate:
        done = subprocess.run(_omnicanal(state, "migrate", "--noinput"), env=process_env(state), cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode:
            raise ClusterError(f"migrate failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    seeded = subprocess.run([sys.executable, __file__, "_seed"], env=process_env(state), cwd=ROOT,
                            capture_output=True, text=True)
    if seeded.returncode:
        raise ClusterError(f"seeding failed:\n{seeded.stderr[-3000:]}")
    state["seed"] = json.loads(seeded.stdout.strip().splitlines()[-1])


# --- invariants --------------------------------------------------------------------------------

def check(state: dict) -> dict:
    """The invariants, asked of the application's own checker (web/invariants.py: each domain's
    queries judge its own tables) in a process of the cluster's environment, as an operator would:
    `omnicanal invariants --settled --json`. {"problems": {invariant: [...]}, "figures": {...},
    "rows": {table: n}}; every problem list empty when the data is sound."""
    done = subprocess.run(_omnicanal(state, "invariants", "--settled", "--json"), env=process_env(state), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ClusterError(f"omnicanal invariants answered no report (exit {done.returncode}):\n"
                           f"{done.stdout[-1000:]}{done.stderr[-3000:]}") from None


# --- command line ------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    if argv[:1] == ["_seed"]:
        _seed()
        return 0
    parser = argparse.ArgumentParser(prog="deploy/cluster.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status", "kill", "start", "check", "restart-postgres"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--state", default=os.environ.get("CLUSTER_STATE", str(ROOT / "var" / "cluster")))
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("CLUSTER_PORT_BASE", "18080")))
    parser.add_argument("--db", default=os.environ.get("CLUSTER_DB", "omnicanal_cluster"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("CLUSTER_REDIS_DB", "12")))
    parser.add_argument("--fresh", action="store_true", help="drop the database and flush the Redis db first")
    parser.add_argument("--template", help="create the database as a copy of this (migrated) one")
    parser.add_argument("--own-postgres", action="store_true", default=os.environ.get("CLUSTER_OWN_POSTGRES") == "1",
                        help="run a private PostgreSQL server for the cluster (one the fault drill may restart)")
    args = parser.parse_args(argv)
    state_dir = Path(args.state).resolve()
    try:
        if args.action == "up":
            state = up(state_dir, args.port_base, args.db, args.redis_db, args.fresh, args.template, args.own_postgres)
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
            report = check(load(state_dir))
            print(json.dumps(report, indent=2))
            return 1 if any(report["problems"].values()) else 0
        elif args.action == "restart-postgres":
            print(f"PostgreSQL restarted (immediate) in {restart_postgres(load(state_dir))} s")
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
    server = f"own server 127.0.0.1:{state['postgres']['port']}, data {state['postgres']['data']}" \
        if state.get("postgres") else "shared server"
    print(f"  database  {state['database']} (PostgreSQL, {server})   redis {state['redis_url']}")
    print(f"  admin API key in {Path(state['state_dir']) / 'state.json'}; logs in {state['state_dir']}")
    print(f"  try: curl -s http://127.0.0.1:{ports['balancer']}/health   stop: make cluster-stop")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

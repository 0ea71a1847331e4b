"""A newcomer's first minutes: fresh clone → `make run` → /health 200, timed; then a second start.

    .venv/bin/python bench/bench_first_start.py [--repo PATH] [--no-second] [--keep]

Clones this repository (`git clone` of the local checkout's committed HEAD) into a temporary
folder, runs `make run` there with a free PORT and no DATABASE_URL (the embedded SQLite, as a
newcomer gets), polls /health until it answers 200, and prints the seconds to 200 with the parts
`make run` printed: the install, the migrations and the demo load. Then it stops the server (its
whole process group), starts `make run` again in the same clone and times the second start, which
reinstalls, migrates and loads nothing. Finally the clone is removed (--keep keeps it).
Goals (issue 23): fresh clone → 200 in ≤ 60 s on the reference machine; the demo load ≤ 15 s.

uv's cache (~/.cache/uv) is left as it is: a machine that installed once before is the common
case; `uv cache clean` first to time a cold download.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600
# Lines of `make run` that carry a part's time (tools/install.py, omnicanal prepare and demo).
PARTS = {
    "install": re.compile(r"==> installed in ([\d.]+) s"),
    "migrate": re.compile(r"Migrated in ([\d.]+) s"),
    "demo load": re.compile(r"Demo loaded in ([\d.]+) s"),
    "demo CPU": re.compile(r"Demo loaded in [\d.]+ s \(CPU ([\d.]+) s\)"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


def start(clone: Path, port: int, log: Path) -> tuple[float, dict[str, float], list[str]]:
    """`make run` in the clone until /health answers 200: (seconds, parts' seconds, output lines)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "OMNICANAL_VAR", "OMNICANAL_HOME", "SQLITE_PATH")}
    env["PYTHONUNBUFFERED"] = "1"  # each part's time read as it is printed, not when the server stops
    lines: list[str] = []
    started = time.monotonic()
    process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def read() -> None:
        assert process.stdout is not None
        with log.open("a", buffering=1) as out:  # line by line: the log can be followed
            for line in process.stdout:
                out.write(line)
                lines.append(line.rstrip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while not healthy(port):
            if process.poll() is not None:
                raise SystemExit(f"`make run` exited ({process.returncode}) before /health answered; see {log}")
            if time.monotonic() - started > TIMEOUT:
                raise SystemExit(f"/health did not answer in {TIMEOUT} s; see {log}")
            time.sleep(0.2)
        seconds = time.monotonic() - started
    finally:
        stop(process)
        reader.join(timeout=5)
    parts = {}
    for name, pattern in PARTS.items():
        found = [float(m.group(1)) for line in lines if (m := pattern.search(line))]
        if found:
            parts[name] = found[-1]
    return seconds, parts, lines


def stop(process: subprocess.Popen) -> None:
    """The server, its worker and make: the whole process group `make run` started."""
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            time.sleep(0.5)  # the group's children end just after make
        except subprocess.TimeoutExpired:
            continue


def report(label: str, seconds: float, parts: dict[str, float]) -> None:
    detail = ", ".join(f"{name} {value:.1f} s" for name, value in parts.items())
    # The load average says how far a busy machine stretched the wall clock (the CPU figure less so).
    load = f", load average {os.getloadavg()[0]:.1f}"
    print(f"  {label:<14}: {seconds:6.1f} s to /health 200  ({detail}{load})".replace("(, ", "("), flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_first_start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=str(ROOT), help="the repository to clone (default: this one)")
    parser.add_argument("--no-second", action="store_true", help="time the first start only")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    options, _ = parser.parse_known_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="omnicanal-first-start-"))
    clone, log = workdir / "omnicanal", workdir / "make-run.log"
    try:
        subprocess.run(["git", "clone", "--quiet", options.repo, str(clone)], check=True)
        port = free_port()
        print(f"fresh clone of {options.repo} in {clone}; `make run PORT={port}` (log: {log})", flush=True)
        seconds, parts, _ = start(clone, port, log)
        report("first start", seconds, parts)
        print(f"  goals: ≤ 60 s to 200 ({'met' if seconds <= 60 else 'MISSED'}), demo load ≤ 15 s "
              f"({'met' if parts.get('demo load', 1e9) <= 15 else 'MISSED'})", flush=True)
        if not options.no_second:
            seconds, parts, lines = start(clone, free_port(), log)
            redone = [name for name in ("install", "migrate", "demo load") if name in parts]
            report("second start", seconds, parts)
            print(f"  second start redid: {', '.join(redone) or 'nothing'}", flush=True)
    finally:
        if options.keep:
            print(f"  kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The demo, served for the screenshot tools: one way to do it, shared by all of them.

    from _demo_server import demo_server, chromium_path, sign_in

    with demo_server() as demo:            # migrate a scratch SQLite file, load the demo, serve it
        page.goto(f"{demo.base}/console/login/")
        sign_in(page, demo, "tienda.santiago")

`demo_server(var=DIR)` reuses a directory whose demo is already loaded (migrate and `omnicanal demo`
are no-ops there) and keeps it afterwards; without it the scratch directory goes when the block
ends. The server is `omnicanal serve` (uvicorn, no background worker) on a free loopback port; the
demo's passwords are read from its logins file, generated at the load.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


@dataclass
class DemoServer:
    base: str  # http://127.0.0.1:<port>
    var: Path  # OMNICANAL_VAR: the SQLite file, the logins file
    env: dict[str, str]
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.var / "demo.sqlite3"

    def sql(self, query: str, *params) -> list[tuple]:
        """Rows of a read-only query on the demo's database (to pick a SKU or a customer to show)."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            return con.execute(query, params).fetchall()

    def omnicanal(self, *args: str) -> str:
        return _omnicanal(*args, env=self.env)


def _omnicanal(*args: str, env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-m", "omnicanal.cli", *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the demo server stopped")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def _passwords(logins: Path) -> dict[str, str]:
    words = [line.split() for line in logins.read_text().splitlines()]
    return {w[0]: w[1] for w in words if len(w) >= 3 and w[0] != "API"}


@contextmanager
def demo_server(*, var: Path | None = None) -> Iterator[DemoServer]:
    scratch = var is None
    var = Path(tempfile.mkdtemp(prefix="omnicanal-shots-")) if var is None else var
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMNICANAL_VAR": str(var), "OMNICANAL_ENV": "development", "DATABASE_URL": "",
           "SQLITE_PATH": str(var / "demo.sqlite3"), "DEMO_LOGINS_FILE": str(var / "demo-logins.txt"),
           "SECRET_KEY": "screenshots-only-" + "0" * 40,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))}
    port = _free_port()
    server = None
    try:
        _omnicanal("migrate", "--noinput", "-v0", env=env)
        _omnicanal("demo", "--quiet", env=env)
        server = subprocess.Popen([sys.executable, "-m", "omnicanal.cli", "serve", "--port", str(port), "--no-worker"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        demo = DemoServer(base=f"http://127.0.0.1:{port}", var=var, env=env,
                          passwords=_passwords(var / "demo-logins.txt"))
        _wait(f"{demo.base}/health", server)
        yield demo
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if scratch:
            shutil.rmtree(var, ignore_errors=True)


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def phone_context(browser, **options):
    """A Spanish-speaking phone (390×844, touch, 2× pixels), as the README's phone shots use."""
    return browser.new_context(viewport=PHONE, locale="es-CL", device_scale_factor=2, is_mobile=True, has_touch=True,
                               **options)


def sign_in(page, demo: DemoServer, username: str) -> None:
    """Sign in to the console as a demo staff member."""
    page.context.clear_cookies()
    page.goto(f"{demo.base}/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo.base}/console/**")

"""Phone screenshots of the console's store desks for the README and docs/orders.md, on the demo.

    PYTHONPATH=src .venv/bin/python tools/console_screenshots.py
    # writes docs/screenshots/console-pickups-phone.png (and console-returns-phone.png)

Loads the demo into a scratch SQLite database, serves it on 127.0.0.1:8766 and drives Debian's
chromium through Playwright (CHROMIUM_PATH or `chromium` on the PATH) at 390×844, signed in as the
Santiago store's clerk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
PHONE = {"width": 390, "height": 844}
STORE = "SCL-CENTRO"


def _wait_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(.3)
    raise SystemExit(f"the console did not answer at {url}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp())
    env = dict(os.environ, SQLITE_PATH=str(var / "demo.sqlite3"), DATABASE_URL="",
               SECRET_KEY="screenshots-only-" + "0" * 40, OMNICANAL_VAR=str(var),
               DEMO_LOGINS_FILE=str(var / "demo-logins.txt"), PYTHONPATH=str(ROOT / "src"))
    command = str(BIN / "omnicanal")
    subprocess.run([command, "migrate", "-v0"], env=env, check=True)
    subprocess.run([command, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    passwords = {line.split()[0]: line.split()[1] for line in (var / "demo-logins.txt").read_text().splitlines()
                 if line.strip() and not line.strip().startswith("API key")}
    server = subprocess.Popen([command, "runserver", f"127.0.0.1:{PORT}", "--noreload"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(f"{BASE}/console/login/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
                                        or "/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = browser.new_context(locale="es-CL", viewport=PHONE, device_scale_factor=2,
                                       is_mobile=True, has_touch=True).new_page()
            page.goto(f"{BASE}/console/login/")
            page.fill("#id_username", "tienda.santiago")
            page.fill("#id_password", passwords["tienda.santiago"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{BASE}/console/**")
            page.goto(f"{BASE}/console/orders/pickups/?location={STORE}")
            page.screenshot(path=str(SHOTS / "console-pickups-phone.png"))
            page.goto(f"{BASE}/console/orders/returns/?location={STORE}")
            page.click("[data-testid=menu] > summary")  # the folded navigation, open
            page.screenshot(path=str(SHOTS / "console-returns-phone.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()

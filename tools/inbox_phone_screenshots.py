"""Screenshots of the agent's console on a phone for the README and docs/inbox.md, on the demo.

    .venv/bin/python tools/inbox_phone_screenshots.py            # writes docs/screenshots/console-*.png
    .venv/bin/python tools/inbox_phone_screenshots.py --var DIR  # reuse a demo already loaded in DIR

Loads the demo into a scratch SQLite database (unless --var names one), serves it on
127.0.0.1:8766, signs in as the demo agent and drives Debian's chromium through Playwright
(CHROMIUM_PATH or `chromium` on the PATH): the inbox's thread with its composer at 390×844.
"""

from __future__ import annotations

import argparse
import os
import re
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


def omnicanal(*args: str, env: dict) -> str:
    return subprocess.run([str(BIN / "omnicanal"), *args], env=env, check=True, capture_output=True, text=True).stdout


def wait_for(url: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def agent_login(env: dict) -> tuple[str, str]:
    logins = omnicanal("demo", "--logins", env=env)
    found = re.search(r"^\s+(\S+)\s+(\S+)\s+agent\s*$", logins, re.M)
    if not found:
        raise SystemExit("no demo agent in `omnicanal demo --logins`")
    return found.group(1), found.group(2)


def shoot(page) -> None:
    page.goto(f"{BASE}/console/conversations/")
    page.locator("[data-testid=inbox-rows] .ws-row a").first.click()
    page.wait_for_selector("[data-testid=messages]")
    page.fill("#composer-text", "¡Hola! Revisé tu pedido y va en camino; llega mañana.")
    page.screenshot(path=str(SHOTS / "console-inbox-phone.png"))
    print("console-inbox-phone.png")  # noqa: T201


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--var", help="a directory (OMNICANAL_VAR) with the demo already loaded")
    args = parser.parse_args()
    scratch = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="omnicanal-shots-"))
    env = {**os.environ, "OMNICANAL_VAR": str(scratch), "OMNICANAL_ENV": "development"}
    env.pop("DATABASE_URL", None)
    if not args.var:
        omnicanal("migrate", "--noinput", env=env)
        omnicanal("demo", "--quiet", env=env)
    user, password = agent_login(env)
    server = subprocess.Popen([str(BIN / "omnicanal"), "serve", "--port", str(PORT), "--no-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"{BASE}/health")
        chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            context = browser.new_context(viewport=PHONE, locale="es-CL", device_scale_factor=2, is_mobile=True,
                                          has_touch=True)
            page = context.new_page()
            page.goto(f"{BASE}/console/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{BASE}/console/**")
            shoot(page)
            context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        if not args.var:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

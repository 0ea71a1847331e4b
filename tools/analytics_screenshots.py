"""Screenshots of the analytics dashboard and of a customer's journey in the 360, for the README and
docs/analytics.md, on the demo.

    PYTHONPATH=src .venv/bin/python tools/analytics_screenshots.py
    # writes docs/screenshots/analytics-dashboard.png, analytics-dashboard-phone.png, analytics-journey.png

Loads the demo into a scratch SQLite database (rollups rebuilt), serves it on 127.0.0.1:8767 and
drives Debian's chromium through Playwright (CHROMIUM_PATH or `chromium` on the PATH), signed in as
the demo's manager. The journey shown is the demo customer with the most channel switches.
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
PORT = 8767
BASE = f"http://127.0.0.1:{PORT}"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Prints the id of the customer whose journey switches channel most often.
BUSIEST = """
from omnicanal.analytics import queries
from omnicanal.customers.models import Customer
best = max(Customer.objects.filter(merged_into__isnull=True).values_list("public_id", flat=True),
           key=lambda cid: queries.journey(cid).channel_switches)
print(best)
"""


def _wait_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(.3)
    raise SystemExit(f"the console did not answer at {url}")


def _shoot(page, customer: str) -> None:
    page.goto(f"{BASE}/console/analytics/?days=90")
    page.wait_for_function("() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')]"
                           ".every(c => window.Chart.getChart(c))")
    page.screenshot(path=str(SHOTS / "analytics-dashboard.png"), full_page=True)
    page.goto(f"{BASE}/console/customers/{customer}/")
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("[data-testid=panel-journey]").bounding_box()  # page coordinates at scroll 0
    # the whole page, clipped to the panel: the sticky top bar stays at the top, off the panel
    page.screenshot(path=str(SHOTS / "analytics-journey.png"), full_page=True,
                    clip={"x": box["x"] - 8, "y": box["y"] - 8, "width": box["width"] + 16,
                          "height": min(box["height"], 900) + 16})
    page.set_viewport_size(PHONE)
    page.goto(f"{BASE}/console/analytics/?days=90")
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')]"
                           ".every(c => window.Chart.getChart(c))")
    page.screenshot(path=str(SHOTS / "analytics-dashboard-phone.png"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp())
    env = dict(os.environ, SQLITE_PATH=str(var / "demo.sqlite3"), DATABASE_URL="",
               SECRET_KEY="screenshots-only-" + "0" * 40, OMNICANAL_VAR=str(var),
               DEMO_LOGINS_FILE=str(var / "demo-logins.txt"), PYTHONPATH=str(ROOT / "src"))
    command = str(BIN / "omnicanal")
    subprocess.run([command, "migrate", "-v0"], env=env, check=True)
    subprocess.run([command, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([command, "analytics_rebuild"], env=env, check=True, stdout=subprocess.DEVNULL)
    customer = subprocess.run([command, "shell", "-c", BUSIEST], env=env, check=True, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
    passwords = {line.split()[0]: line.split()[1] for line in (var / "demo-logins.txt").read_text().splitlines()
                 if line.strip() and not line.strip().startswith("API key")}
    server = subprocess.Popen([command, "runserver", f"127.0.0.1:{PORT}", "--noreload"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(f"{BASE}/console/login/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
                                        or "/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = browser.new_context(locale="es-CL", viewport=DESKTOP).new_page()
            page.goto(f"{BASE}/console/login/")
            page.fill("#id_username", "gerente")
            page.fill("#id_password", passwords["gerente"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{BASE}/console/**")
            _shoot(page, customer)
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()

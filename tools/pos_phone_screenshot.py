"""Refresh docs/screenshots/console-pos-phone.png: the mPOS on a phone (390×844), from demo data.

    PYTHONPATH=src .venv/bin/python tools/pos_phone_screenshot.py

Loads the demo into a temporary SQLite file, serves it on a loopback port, signs in as the Santiago
clerk in Debian's chromium (Playwright, Spanish, touch), finds a customer by name, rings up two
products and photographs the till with its tenders. Nothing downloads; the temporary files go."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots" / "console-pos-phone.png"
STORE = "SCL-CENTRO"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, server: subprocess.Popen) -> None:
    import urllib.request

    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("the server stopped")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer")


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp())
    db = var / "demo.sqlite3"
    env = dict(os.environ, SQLITE_PATH=str(db), DATABASE_URL="", SECRET_KEY="screenshots-only-" + "0" * 40,
               OMNICANAL_VAR=str(var), DEMO_LOGINS_FILE=str(var / "demo-logins.txt"))
    omnicanal = [sys.executable, "-m", "omnicanal.cli"]
    subprocess.run([*omnicanal, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*omnicanal, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*omnicanal, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    passwords = {line.split()[0]: line.split()[1] for line in (var / "demo-logins.txt").read_text().splitlines()
                 if line.strip() and not line.strip().startswith("API key")}
    con = sqlite3.connect(db)
    try:
        _wait(f"{base}/console/login/", server)
        skus = [r[0] for r in con.execute(
            "select v.sku from inventory_stocklevel s join catalog_variant v on v.id = s.variant_id "
            "join inventory_location l on l.id = s.location_id where l.code = ? and s.on_hand > 1 limit 2", (STORE,))]
        # a customer with points, so the till shows their tier and balance
        name = con.execute("select c.name from customers_customer c join loyalty_account a on a.owner_id = c.public_id "
                           "where a.kind = 'points' and a.balance > 0 and c.name <> '' and c.merged_into_id is null "
                           "order by a.balance desc limit 1").fetchone()[0]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        headless=True, args=["--no-sandbox"])
            context = browser.new_context(locale="es-CL", viewport={"width": 390, "height": 844}, is_mobile=True,
                                          has_touch=True, device_scale_factor=2)
            page = context.new_page()
            page.goto(f"{base}/console/login/")
            page.fill("#id_username", "tienda.santiago")
            page.fill("#id_password", passwords["tienda.santiago"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/console/**")
            page.goto(f"{base}/console/orders/pos/?location={STORE}")
            page.fill("[data-testid=pos-who]", name)
            page.locator("[data-testid=pos-who]").press("Enter")
            page.wait_for_load_state()
            chosen = page.locator("[data-testid=pos-found-customers] button")
            if chosen.count():
                chosen.first.click()
                page.wait_for_load_state()
            for sku in skus:
                page.fill("[data-testid=pos-code]", sku)
                page.locator("[data-testid=pos-code]").press("Enter")
                page.wait_for_load_state()
            page.fill("[data-testid=pos-cash-received]", "300.000")
            # one screen, as the clerk sees it: the sale, then the bar with the total and Sell
            page.evaluate("document.getElementById('pos-sale-h').scrollIntoView()")
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        server.terminate()
        server.wait()
        con.close()
        shutil.rmtree(var, ignore_errors=True)
    sys.stdout.write(f"{OUT.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()

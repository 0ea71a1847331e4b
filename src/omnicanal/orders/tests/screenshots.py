"""Refresh docs/screenshots/orders-*.png from demo data (a one-off, not a test):

    .venv/bin/python -m omnicanal.orders.tests.screenshots

Loads the demo into a temporary SQLite file, serves it, and photographs the POS, the pickup desk,
the order list, an order's detail, the disputes queue, a dispute and a return label with Debian's chromium through Playwright."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "docs" / "screenshots"


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp())
    db = var / "demo.sqlite3"
    env = dict(os.environ, SQLITE_PATH=str(db), DATABASE_URL="", SECRET_KEY="screenshots-only-" + "0" * 40,
               OMNICANAL_VAR=str(var), DEMO_LOGINS_FILE=str(var / "demo-logins.txt"))
    omnicanal = str(ROOT / ".venv/bin/omnicanal")
    subprocess.run([omnicanal, "migrate", "-v0"], env=env, check=True)
    subprocess.run([omnicanal, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([omnicanal, "runserver", "127.0.0.1:8765", "--noreload"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:8765"
    # the demo's passwords are generated at load: read them from its logins file
    passwords = {line.split()[0]: line.split()[1] for line in (var / "demo-logins.txt").read_text().splitlines()
                 if line.strip() and not line.strip().startswith("API key")}
    con = sqlite3.connect(db)
    try:
        time.sleep(4)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        headless=True, args=["--no-sandbox"])
            page = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900}).new_page()

            def login(user):
                page.context.clear_cookies()
                page.goto(f"{base}/console/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", passwords[user])
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/console/**")

            login("tienda.santiago")
            page.goto(f"{base}/console/orders/pos/?location=SCL-CENTRO")
            skus = [r[0] for r in con.execute(
                "select v.sku from inventory_stocklevel s join catalog_variant v on v.id = s.variant_id "
                "join inventory_location l on l.id = s.location_id where l.code = 'SCL-CENTRO' and s.on_hand > 1 limit 2")]
            phone = con.execute("select value from customers_identity where kind = 'phone' limit 1").fetchone()[0]
            page.fill("[data-testid=pos-who]", phone)
            page.locator("[data-testid=pos-who]").press("Enter")
            page.wait_for_load_state()
            for sku in skus:
                page.fill("[data-testid=pos-code]", sku)
                page.locator("[data-testid=pos-code]").press("Enter")
                page.wait_for_load_state()
            page.screenshot(path=str(SHOTS / "orders-pos.png"), full_page=True)
            page.goto(f"{base}/console/orders/pickups/?location=SCL-CENTRO")
            page.screenshot(path=str(SHOTS / "orders-pickups.png"), full_page=True)
            login("gerente")
            page.goto(f"{base}/console/orders/")
            page.screenshot(path=str(SHOTS / "orders-list.png"))
            order = con.execute("select public_id from orders_order o where exists (select 1 from orders_fulfillment f "
                                "where f.order_id = o.id and f.status = 'packed') order by id desc limit 1").fetchone()[0]
            page.goto(f"{base}/console/orders/o/{order}/")
            page.screenshot(path=str(SHOTS / "orders-detail.png"), full_page=True)
            page.goto(f"{base}/console/orders/disputes/")
            page.screenshot(path=str(SHOTS / "orders-disputes.png"), full_page=True)
            dispute = con.execute("select public_id from orders_dispute where status = 'open' order by id limit 1").fetchone()[0]
            page.goto(f"{base}/console/orders/disputes/{dispute}/")
            page.screenshot(path=str(SHOTS / "orders-dispute.png"), full_page=True)
            mail = con.execute("select public_id from orders_return where by_mail order by id limit 1").fetchone()[0]
            page.goto(f"{base}/console/orders/r/{mail}/label/")
            page.screenshot(path=str(SHOTS / "orders-return-label.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(db.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
    sys.exit(0)

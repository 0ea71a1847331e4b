"""Screenshots of the shop for the README and docs/storefront.md, phone and desktop, on the demo.

    .venv/bin/python tools/shop_screenshots.py      # writes docs/screenshots/shop-*.png (the account signed in as the demo shopper)

Loads the demo into a scratch SQLite database, serves it on 127.0.0.1:8765 and drives Debian's
chromium through Playwright (CHROMIUM_PATH or `chromium` on the PATH).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

TRACKING_URL = """
from omnicanal.orders.models import Fulfillment
from omnicanal.orders.tracking import tracking_url
pickups = Fulfillment.objects.filter(method__in=["pickup", "curbside"]).select_related("order")
f = pickups.filter(status="ready").first() or pickups.order_by("-pk").first()
print(tracking_url(f.order) if f else "")
"""

# The account page: the demo shopper's device signed in (as a verified one-time code would).
SHOPPER_TOKEN = """
from django.db import transaction
from omnicanal.core.auth import SYSTEM
from omnicanal.customers.queries import find_by_identity
from omnicanal.storefront.demo import DEMO_SHOPPER
from omnicanal.storefront.services import do_sign_in_as
customer = find_by_identity("email", DEMO_SHOPPER)
with transaction.atomic():
    print(do_sign_in_as(customer_id=customer.public_id, channel="web", actor=SYSTEM).token if customer else "")
"""


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


def pages(env: dict) -> dict[str, str]:
    home = urllib.request.urlopen(f"{BASE}/").read().decode()
    category = re.search(r'href="(/c/[a-z0-9-]+/)"', home).group(1)
    products = json.loads(urllib.request.urlopen(f"{BASE}/api/store/v1/products").read())
    product = urllib.parse.urlparse(products["items"][0]["url"]).path
    found = {"home": "/", "category": category, "product": product, "sign-in": "/account/sign-in/"}
    # The shell may print a line of its own first (Django's automatic imports): the link is the last.
    lines = omnicanal("shell", "-c", TRACKING_URL, env=env).strip().splitlines()
    tracking = lines[-1] if lines and "/track/" in lines[-1] else ""
    if tracking:
        found["tracking"] = urllib.parse.urlparse(tracking).path
    found["account"] = "/account/"  # last: shot signed in (main adds the cookie)
    return found


def main() -> int:
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="omnicanal-shots-"))
    env = {**os.environ, "OMNICANAL_VAR": str(scratch), "OMNICANAL_ENV": "development"}
    env.pop("DATABASE_URL", None)
    omnicanal("migrate", "--noinput", env=env)
    omnicanal("demo", "--quiet", env=env)
    server = subprocess.Popen([str(BIN / "omnicanal"), "serve", "--port", str(PORT), "--no-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"{BASE}/health")
        targets = pages(env)
        chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                context = browser.new_context(viewport=viewport, locale="es-CL", device_scale_factor=1)
                page = context.new_page()
                for name, path in targets.items():
                    if name == "account":
                        token = omnicanal("shell", "-c", SHOPPER_TOKEN, env=env).strip().splitlines()[-1]
                        context.add_cookies([{"name": "shop_session", "value": token, "url": BASE}])
                    page.goto(f"{BASE}{path}")
                    page.screenshot(path=str(SHOTS / f"shop-{name}-{device}.png"))
                    print(f"shop-{name}-{device}.png  {path}")  # noqa: T201
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

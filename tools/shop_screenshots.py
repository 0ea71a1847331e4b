"""Screenshots of the shop for the README and docs/storefront.md, phone and desktop, on the demo.

    .venv/bin/python tools/shop_screenshots.py      # writes docs/screenshots/shop-*.png (the account signed in as the demo shopper)

Serves the demo through tools/_demo_server.py and drives Debian's chromium through Playwright
(CHROMIUM_PATH or `chromium` on the PATH).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
import urllib.request

from _demo_server import PHONE, SHOTS, DemoServer, chromium_path, demo_server

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


def pages(demo: DemoServer) -> dict[str, str]:
    home = urllib.request.urlopen(f"{demo.base}/").read().decode()  # noqa: S310 (loopback)
    category = re.search(r'href="(/c/[a-z0-9-]+/)"', home).group(1)
    products = json.loads(urllib.request.urlopen(f"{demo.base}/api/store/v1/products").read())  # noqa: S310
    product = urllib.parse.urlparse(products["items"][0]["url"]).path
    found = {"home": "/", "category": category, "product": product, "sign-in": "/account/sign-in/"}
    # The shell may print a line of its own first (Django's automatic imports): the link is the last.
    lines = demo.omnicanal("shell", "-c", TRACKING_URL).strip().splitlines()
    tracking = lines[-1] if lines and "/track/" in lines[-1] else ""
    if tracking:
        found["tracking"] = urllib.parse.urlparse(tracking).path
    found["account"] = "/account/"  # last: shot signed in (main adds the cookie)
    return found


def main() -> int:
    from playwright.sync_api import sync_playwright

    with demo_server() as demo:
        targets = pages(demo)
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
            for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                context = browser.new_context(viewport=viewport, locale="es-CL", device_scale_factor=1)
                page = context.new_page()
                for name, path in targets.items():
                    if name == "account":
                        token = demo.omnicanal("shell", "-c", SHOPPER_TOKEN).strip().splitlines()[-1]
                        context.add_cookies([{"name": "shop_session", "value": token, "url": demo.base}])
                    page.goto(f"{demo.base}{path}")
                    page.screenshot(path=str(SHOTS / f"shop-{name}-{device}.png"))
                    print(f"shop-{name}-{device}.png  {path}")  # noqa: T201
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

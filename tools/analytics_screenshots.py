"""Screenshots of the analytics dashboard and of a customer's journey in the 360, for the README and
docs/analytics.md, on the demo.

    PYTHONPATH=src .venv/bin/python tools/analytics_screenshots.py
    # writes docs/screenshots/analytics-dashboard.png, analytics-dashboard-phone.png, analytics-journey.png

Serves the demo through tools/_demo_server.py (rollups rebuilt) and drives Debian's chromium through
Playwright (CHROMIUM_PATH or `chromium` on the PATH), signed in as the demo's manager. The journey shown is the demo customer with the most channel switches.
"""

from __future__ import annotations

from _demo_server import PHONE, SHOTS, chromium_path, demo_server, sign_in

DESKTOP = {"width": 1366, "height": 900}
# Prints the id of the customer whose journey switches channel most often.
BUSIEST = """
from omnicanal.analytics import queries
from omnicanal.customers.models import Customer
best = max(Customer.objects.filter(merged_into__isnull=True).values_list("public_id", flat=True),
           key=lambda cid: queries.journey(cid).channel_switches)
print(best)
"""
CHARTS_DRAWN = "() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')].every(c => window.Chart.getChart(c))"


def _shoot(page, base: str, customer: str) -> None:
    page.goto(f"{base}/console/analytics/?days=90")
    page.wait_for_function(CHARTS_DRAWN)
    page.screenshot(path=str(SHOTS / "analytics-dashboard.png"), full_page=True)
    page.goto(f"{base}/console/customers/{customer}/")
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("[data-testid=panel-journey]").bounding_box()  # page coordinates at scroll 0
    # the whole page, clipped to the panel: the sticky top bar stays at the top, off the panel
    page.screenshot(path=str(SHOTS / "analytics-journey.png"), full_page=True,
                    clip={"x": box["x"] - 8, "y": box["y"] - 8, "width": box["width"] + 16,
                          "height": min(box["height"], 900) + 16})
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/console/analytics/?days=90")
    page.wait_for_function(CHARTS_DRAWN)
    page.screenshot(path=str(SHOTS / "analytics-dashboard-phone.png"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    with demo_server() as demo:
        demo.omnicanal("analytics_rebuild")
        customer = demo.omnicanal("shell", "-c", BUSIEST).strip().splitlines()[-1]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
            page = browser.new_context(locale="es-CL", viewport=DESKTOP).new_page()
            sign_in(page, demo, "gerente")
            _shoot(page, demo.base, customer)
            browser.close()


if __name__ == "__main__":
    main()

"""Phone screenshots of the console's store desks for the README and docs/orders.md, on the demo.

    .venv/bin/python tools/console_screenshots.py
    # writes docs/screenshots/console-pickups-phone.png (and console-returns-phone.png)

Serves the demo through tools/_demo_server.py and drives Debian's chromium through Playwright
(CHROMIUM_PATH or `chromium` on the PATH) at 390×844, signed in as the Santiago store's clerk.
"""

from __future__ import annotations

from _demo_server import SHOTS, chromium_path, demo_server, phone_context, sign_in

STORE = "SCL-CENTRO"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with demo_server() as demo, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        page = phone_context(browser).new_page()
        sign_in(page, demo, "tienda.santiago")
        page.goto(f"{demo.base}/console/orders/pickups/?location={STORE}")
        page.screenshot(path=str(SHOTS / "console-pickups-phone.png"))
        page.goto(f"{demo.base}/console/orders/returns/?location={STORE}")
        page.click("[data-testid=menu] > summary")  # the folded navigation, open
        page.screenshot(path=str(SHOTS / "console-returns-phone.png"))
        browser.close()


if __name__ == "__main__":
    main()

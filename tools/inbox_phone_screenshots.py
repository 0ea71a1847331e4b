"""Screenshots of the agent's console on a phone for the README and docs/inbox.md, on the demo.

    .venv/bin/python tools/inbox_phone_screenshots.py            # writes docs/screenshots/console-*.png
    .venv/bin/python tools/inbox_phone_screenshots.py --var DIR  # reuse a demo already loaded in DIR

Serves the demo through tools/_demo_server.py, signs in as the demo agent and drives Debian's
chromium through Playwright (CHROMIUM_PATH or `chromium` on the PATH): the inbox's thread with its
composer at 390×844.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _demo_server import SHOTS, chromium_path, demo_server, phone_context, sign_in

AGENT = "agente"


def shoot(page, base: str) -> None:
    page.goto(f"{base}/console/conversations/")
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
    SHOTS.mkdir(parents=True, exist_ok=True)
    with demo_server(var=Path(args.var) if args.var else None) as demo, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        page = phone_context(browser).new_page()
        sign_in(page, demo, AGENT)
        shoot(page, demo.base)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

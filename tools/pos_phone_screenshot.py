"""Refresh docs/screenshots/console-pos-phone.png: the mPOS on a phone (390×844), from demo data.

    .venv/bin/python tools/pos_phone_screenshot.py

Serves the demo through tools/_demo_server.py, signs in as the Santiago clerk in Debian's chromium
(Playwright, Spanish, touch), finds a customer by name, rings up two products and photographs the
till with its tenders. Nothing downloads; the temporary files go."""

from __future__ import annotations

import sys

from _demo_server import SHOTS, chromium_path, demo_server, phone_context, sign_in

OUT = SHOTS / "console-pos-phone.png"
STORE = "SCL-CENTRO"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with demo_server() as demo, sync_playwright() as p:
        skus = [r[0] for r in demo.sql(
            "select v.sku from inventory_stocklevel s join catalog_variant v on v.id = s.variant_id "
            "join inventory_location l on l.id = s.location_id where l.code = ? and s.on_hand > 1 limit 2", STORE)]
        # a customer with points, so the till shows their tier and balance
        name = demo.sql("select c.name from customers_customer c join loyalty_account a on a.owner_id = c.public_id "
                        "where a.kind = 'points' and a.balance > 0 and c.name <> '' and c.merged_into_id is null "
                        "order by a.balance desc limit 1")[0][0]
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        page = phone_context(browser).new_page()
        sign_in(page, demo, "tienda.santiago")
        page.goto(f"{demo.base}/console/orders/pos/?location={STORE}")
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
    sys.stdout.write(f"{OUT.relative_to(SHOTS.parents[1])}\n")


if __name__ == "__main__":
    main()

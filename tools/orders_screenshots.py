"""Refresh docs/screenshots/orders-*.png from demo data:

    .venv/bin/python tools/orders_screenshots.py

Serves the demo through tools/_demo_server.py and photographs the POS, the pickup desk, the order
list, an order's detail, the disputes queue, a dispute and a return label with Debian's chromium
through Playwright (desktop, Spanish)."""

from __future__ import annotations

from _demo_server import SHOTS, chromium_path, demo_server, sign_in

STORE = "SCL-CENTRO"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with demo_server() as demo, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        page = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900}).new_page()
        base = demo.base
        sign_in(page, demo, "tienda.santiago")
        page.goto(f"{base}/console/orders/pos/?location={STORE}")
        skus = [r[0] for r in demo.sql(
            "select v.sku from inventory_stocklevel s join catalog_variant v on v.id = s.variant_id "
            "join inventory_location l on l.id = s.location_id where l.code = ? and s.on_hand > 1 limit 2", STORE)]
        phone = demo.sql("select value from customers_identity where kind = 'phone' limit 1")[0][0]
        page.fill("[data-testid=pos-who]", phone)
        page.locator("[data-testid=pos-who]").press("Enter")
        page.wait_for_load_state()
        for sku in skus:
            page.fill("[data-testid=pos-code]", sku)
            page.locator("[data-testid=pos-code]").press("Enter")
            page.wait_for_load_state()
        page.screenshot(path=str(SHOTS / "orders-pos.png"), full_page=True)
        page.goto(f"{base}/console/orders/pickups/?location={STORE}")
        page.screenshot(path=str(SHOTS / "orders-pickups.png"), full_page=True)
        sign_in(page, demo, "gerente")
        page.goto(f"{base}/console/orders/")
        page.screenshot(path=str(SHOTS / "orders-list.png"))
        order = demo.sql("select public_id from orders_order o where exists (select 1 from orders_fulfillment f "
                         "where f.order_id = o.id and f.status = 'packed') order by id desc limit 1")[0][0]
        page.goto(f"{base}/console/orders/o/{order}/")
        page.screenshot(path=str(SHOTS / "orders-detail.png"), full_page=True)
        page.goto(f"{base}/console/orders/disputes/")
        page.screenshot(path=str(SHOTS / "orders-disputes.png"), full_page=True)
        dispute = demo.sql("select public_id from orders_dispute where status = 'open' order by id limit 1")[0][0]
        page.goto(f"{base}/console/orders/disputes/{dispute}/")
        page.screenshot(path=str(SHOTS / "orders-dispute.png"), full_page=True)
        mail = demo.sql("select public_id from orders_return where by_mail order by id limit 1")[0][0]
        page.goto(f"{base}/console/orders/r/{mail}/label/")
        page.screenshot(path=str(SHOTS / "orders-return-label.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()

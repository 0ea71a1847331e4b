"""The dashboard in a browser, on a phone (390×844) and a laptop (1,366×768): a manager filters by a
store and a channel, drills down into a number and exports that drill-down as CSV (a download); a
store clerk sees only their store. Nothing scrolls sideways, the charts are drawn by the vendored
Chart.js, and axe finds nothing serious or critical."""

import csv
import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
WEEK = "from=2026-03-02&to=2026-03-08"


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, f"document {width}px wide in a {viewport}px viewport"


def _charts_drawn(page) -> None:
    """Chart.js (vendored, no CDN) drew on every chart's canvas."""
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas[data-chart]').length > 0 && "
                           "[...document.querySelectorAll('canvas[data-chart]')].every(c => window.Chart.getChart(c))")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_manager_filters_drills_down_and_exports(size, scenario, staff, console_login, live_server, axe):
    ids = scenario["orders"]
    page = console_login(staff("manager", username="boss"))
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/console/analytics/?{WEEK}")
    assert page.locator("[data-testid=kpi-orders]").inner_text().startswith("3")
    _charts_drawn(page)
    _fits(page)
    assert axe(page) == []
    page.select_option("[data-testid=filter-location]", "SCL")
    page.select_option("[data-testid=filter-channel]", "web")
    page.click("[data-testid=apply]")
    page.wait_for_url("**location=SCL**")
    assert page.locator("[data-testid=kpi-orders]").inner_text().startswith("1")  # web at SCL, not cancelled
    page.locator("details[data-testid=table-toggle-channels] > summary").click()
    assert page.locator("[data-testid=table-channels]").is_visible()  # the chart's table alternative
    _fits(page)
    assert axe(page) == []
    page.click("[data-testid=kpi-orders]")
    page.wait_for_url("**/console/analytics/drill/orders/**")
    rows = page.locator("[data-testid=table-drill_orders] tbody tr")
    assert rows.count() == 1 and ids["web_scl"] in rows.first.text_content()
    _fits(page)
    assert axe(page) == []
    with page.expect_download() as download:
        page.click("[data-testid=csv-drill_orders]")
    path = download.value.path()
    with open(path, encoding="utf-8-sig") as exported:
        table = list(csv.reader(io.StringIO(exported.read())))
    assert [row[0] for row in table[1:]] == [ids["web_scl"]]
    assert download.value.suggested_filename == "drill_orders_2026-03-02_2026-03-08.csv"
    page.click(f"[data-testid=table-drill_orders] a[href='/console/orders/o/{ids['web_scl']}/']")
    page.wait_for_url(f"**/console/orders/o/{ids['web_scl']}/")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_store_clerk_sees_only_their_store(size, scenario, staff, console_login, live_server, axe):
    page = console_login(staff("store_staff", ["VAP"], username="clerk"))
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/console/analytics/?{WEEK}")
    assert page.locator("[data-testid=kpi-orders]").inner_text().startswith("1")  # VAP's one web order
    options = page.locator("[data-testid=filter-location] option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", "VAP"]
    assert "VAP" in page.locator("[data-testid=scope]").inner_text()
    _charts_drawn(page)
    _fits(page)
    assert axe(page) == []
    refused = page.goto(f"{live_server.url}/console/analytics/?{WEEK}&location=SCL")
    assert refused.status == 403


def test_the_journey_in_the_360_on_a_phone(scenario, ana, staff, console_login, live_server, axe):
    page = console_login(staff("manager", username="boss"))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/console/customers/{ana}/")
    steps = page.locator("[data-testid=journey-step]")
    assert steps.count() == 2 and page.locator("[data-testid=journey-switch]").count() == 1
    assert steps.nth(1).locator("[data-testid=journey-switch]").is_visible()  # the switch said in words
    _fits(page)
    # marketing's panel scrolls inside its card on a phone (its own finding, left to marketing)
    assert [v for v in axe(page) if any(".panel-marketing" not in str(node) for node in v["nodes"])] == []

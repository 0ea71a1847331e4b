"""The console's dashboard, drill-downs, exports and the 360's journey panel, through Django's client:
the numbers on the page are the report's, a drill-down lists exactly what a number counts, every
table exports as CSV and XLSX with the same rows, and store staff see their own stores only."""

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from omnicanal.analytics import dashboard, queries
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.tests.shared_week import _week, shared_ana, shared_bea, shared_scenario, shared_world  # noqa: F401 (once a file)
from omnicanal.analytics.totals import Filters
from omnicanal.core.services import do_create_staff_user

H = dt.timedelta(hours=1)
PERIOD = {"from": "2026-03-02", "to": "2026-03-08"}
WEEK = Filters(start=DAY, end=DAY + dt.timedelta(days=7))


def _user(role, locations=()):
    return do_create_staff_user(username=f"{role}-1", password="secret-pass", role=role, locations=list(locations))


@pytest.fixture
def manager_client(client, world):
    client.force_login(_user("manager"))
    return client


def test_the_dashboard_shows_the_reports_numbers_beside_the_previous_period(manager_client, scenario):
    page = manager_client.get("/console/analytics/", PERIOD).content.decode()
    report = queries.report(WEEK)
    assert report.kpis["orders"] == 3  # the cancelled one is not counted
    assert re.search(r'data-testid="kpi-orders">3<', page)
    assert re.search(r'data-testid="kpi-cross_channel_orders">1<', page)
    assert re.search(r'data-testid="previous-orders">1<', page)  # the week before: one order
    # every chart has its table and a CSV and an XLSX export
    for name in ("channels", "delivery", "response", "customers", "cycle_times"):
        assert f'data-testid="table-{name}"' in page and f'data-testid="csv-{name}"' in page
    assert 'data-chart="chart-channels"' in page and 'id="chart-channels"' in page
    assert "/static/analytics/vendor/chart.umd.min.js" in page
    # every script is ours, from our static files: no CDN
    assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]* src="([^"]+)"', page))


def test_a_drill_down_lists_exactly_the_orders_a_number_counts(manager_client, scenario):
    ids = scenario["orders"]
    page = manager_client.get("/console/analytics/drill/orders/", {**PERIOD, "channel": "web"}).content.decode()
    assert ids["web_scl"] in page and ids["web_vap"] in page
    assert ids["pos_scl"] not in page and ids["cancelled"] not in page and ids["before"] not in page
    assert f'href="/console/orders/o/{ids["web_scl"]}/"' in page
    cross = manager_client.get("/console/analytics/drill/cross_channel/", PERIOD).content.decode()
    assert ids["pos_scl"] in cross and ids["web_scl"] not in cross
    cancelled = manager_client.get("/console/analytics/drill/cancellations/", PERIOD).content.decode()
    assert ids["cancelled"] in cancelled and "El cliente lo pidió" in cancelled  # the cause in words, not its code
    convs = manager_client.get("/console/analytics/drill/conversations/", PERIOD).content.decode()
    assert f'href="/console/conversations/{scenario["conversation"]}/"' in convs
    assert manager_client.get("/console/analytics/drill/nothing/", PERIOD).status_code == 404


def test_every_table_exports_as_csv_and_xlsx_with_the_same_rows(manager_client, scenario):
    report, before = queries.report(WEEK), queries.report(WEEK.previous())
    for table in dashboard.tables(report, before):
        answer = manager_client.get(f"/console/analytics/export/{table.name}.csv", PERIOD)
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
        assert f'filename="{table.name}_2026-03-02_2026-03-08.csv"' in answer["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert rows[0] == [str(col.label) for col in table.columns]
        assert len(rows) - 1 == len(table.rows)
        book = load_workbook(io.BytesIO(manager_client.get(f"/console/analytics/export/{table.name}.xlsx",
                                                           PERIOD).content))
        sheet = list(book.active.iter_rows(values_only=True))
        assert len(sheet) - 1 == len(table.rows) and list(sheet[0]) == rows[0]
    channels = manager_client.get("/console/analytics/export/channels.csv", PERIOD).content.decode("utf-8-sig")
    by_channel = {r[0]: r[1:] for r in csv.reader(io.StringIO(channels))}
    assert by_channel["pos"][:2] == ["1", "0"] and by_channel["web"][:2] == ["2", "1"]
    drill = manager_client.get("/console/analytics/export/drill_orders.xlsx", {**PERIOD, "location": "SCL"})
    sheet = list(load_workbook(io.BytesIO(drill.content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in sheet[1:]) == sorted([scenario["orders"]["pos_scl"], scenario["orders"]["web_scl"]])
    assert isinstance(sheet[1][5], int | float) and sheet[1][5] > 0  # amounts stay numbers
    assert manager_client.get("/console/analytics/export/nothing.csv", PERIOD).status_code == 404
    assert manager_client.get("/console/analytics/export/channels.pdf", PERIOD).status_code == 404
    assert manager_client.get("/console/analytics/export/channels.csv", {"from": "nope"}).status_code == 422


def test_a_store_clerk_sees_only_their_stores(client, scenario):
    client.force_login(_user("store_staff", ["SCL"]))
    page = client.get("/console/analytics/", PERIOD).content.decode()
    assert re.search(r'data-testid="kpi-orders">2<', page)  # the SCL orders, not VAP's
    assert '<option value="SCL"' in page and '<option value="VAP"' not in page
    assert 'href="/console/analytics/"' in page  # the navigation entry
    drill = client.get("/console/analytics/drill/orders/", PERIOD).content.decode()
    assert scenario["orders"]["web_scl"] in drill and scenario["orders"]["web_vap"] not in drill
    assert client.get("/console/analytics/", {**PERIOD, "location": "VAP"}).status_code == 403
    assert client.get("/console/analytics/export/drill_orders.csv", {**PERIOD, "location": "VAP"}).status_code == 403
    exported = client.get("/console/analytics/export/drill_orders.csv", PERIOD).content.decode("utf-8-sig")
    assert scenario["orders"]["web_vap"] not in exported and scenario["orders"]["web_scl"] in exported


def test_agents_have_no_dashboard_and_no_navigation_entry(client, world):
    client.force_login(_user("agent"))
    assert client.get("/console/analytics/").status_code == 403
    assert 'href="/console/analytics/"' not in client.get("/console/").content.decode()


def test_a_bad_filter_is_said_on_the_page_never_a_500(manager_client, scenario):
    answer = manager_client.get("/console/analytics/", {"from": "2026-13-40", "channel": "web"})
    assert answer.status_code == 200 and "AAAA-MM-DD" in answer.content.decode()  # es by default
    answer = manager_client.get("/console/analytics/", {"from": "2024-01-01", "to": "2026-03-08"})
    assert answer.status_code == 200 and "366" in answer.content.decode() and "msg error" in answer.content.decode()
    answer = manager_client.get("/console/analytics/", {**PERIOD, "channel": "fax"})
    assert answer.status_code == 200 and "fax" in answer.content.decode()


def test_the_360_draws_the_journey_with_its_channel_switches(manager_client, scenario, ana):
    page = manager_client.get(f"/console/customers/{ana}/").content.decode()
    assert 'data-testid="journey"' in page
    steps = re.findall(r'data-testid="journey-step" data-channel="(\w+)" data-kind="(\w+)"', page)
    assert steps == [("whatsapp", "message"), ("pos", "order")]
    assert page.count('data-testid="journey-switch"') == 1
    assert f'href="/console/orders/o/{scenario["orders"]["pos_scl"]}/"' in page


def test_the_journey_panel_is_for_managers(client, scenario, ana):
    client.force_login(_user("agent"))
    page = client.get(f"/console/customers/{ana}/").content.decode()
    assert 'data-testid="journey"' not in page

"""GET /analytics/kpis and GET /customers/{id}/journey (../shared/API.md, "Analytics"): shapes,
roles (managers and admins; store staff their own stores only) and bad filters as problem+json."""

import datetime as dt
from urllib.parse import urlencode

import pytest

from omnicanal.analytics import kpis
from omnicanal.analytics.tests.conftest import DAY

H = dt.timedelta(hours=1)
PERIOD = {"from": DAY.isoformat(), "to": (DAY + dt.timedelta(days=1)).isoformat()}


def kpis_of(api, **params):
    return api.get("/analytics/kpis?" + urlencode({**PERIOD, **params}))


@pytest.fixture
def two_stores(shop, ana):
    shop.place(ana, at=DAY + 9 * H, location="SCL")
    shop.place(ana, at=DAY + 10 * H, location="SCL")
    shop.place(ana, at=DAY + 11 * H, location="VAP")
    shop.place(ana, at=DAY - 3 * H, location="VAP")  # the previous day
    return ana


def test_a_manager_reads_every_kpi_with_the_previous_period(api, issue_key, two_stores):
    response = kpis_of(api.as_(issue_key("manager")))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from"].startswith("2026-03-02T00:00:00") and body["to"].startswith("2026-03-03T00:00:00")
    assert set(body["kpis"]) == {kpi.name for kpi in kpis.KPIS}
    for name in ("orders", "revenue", "bopis_share", "cross_channel_order_share", "first_response_minutes_p50",
                 "repeat_rate"):
        assert name in body["kpis"]
    assert body["kpis"]["orders"] == 3 and body["kpis"]["bopis_share"] == 1.0
    assert body["kpis"]["revenue"]["currency"] == "CLP"
    assert body["previous"]["from"].startswith("2026-03-01T00:00:00") and body["previous"]["kpis"]["orders"] == 1
    assert body["source"] == "day"


def test_location_filters_on_the_location_that_serves_the_order(api, two_stores):
    assert kpis_of(api, location="VAP").json()["kpis"]["orders"] == 1
    assert kpis_of(api, location="SCL", channel="web").json()["kpis"]["orders"] == 2


def test_store_staff_see_their_own_stores_only(api, issue_key, two_stores):
    clerk = api.as_(issue_key("store_staff", locations=["SCL"]))

    mine = kpis_of(clerk)
    assert mine.status_code == 200 and mine.json()["kpis"]["orders"] == 2 and mine.json()["locations"] == ["SCL"]
    assert kpis_of(clerk, location="SCL").json()["kpis"]["orders"] == 2
    other = kpis_of(clerk, location="VAP")
    assert other.status_code == 403 and other["Content-Type"].startswith("application/problem+json")
    assert other.json()["type"].endswith("forbidden")


@pytest.mark.parametrize("role", ["agent", "marketer", "integration"])
def test_other_roles_may_not_read_kpis(api, issue_key, world, role):
    response = kpis_of(api.as_(issue_key(role)))
    assert response.status_code == 403 and response.json()["type"].endswith("forbidden")


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-03-03T00:00:00+00:00", "to": "2026-03-02T00:00:00+00:00"}, "to"),
    ({"from": "2025-01-01T00:00:00+00:00", "to": "2026-03-02T00:00:00+00:00"}, "to"),
    ({"from": "2026-03-02T00:00:00"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"location": "NOWHERE"}, "location"),
])
def test_bad_filters_answer_422_problem_json_field_by_field(api, world, params, field):
    response = kpis_of(api, **params)

    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("validation")
    assert field in [error["field"] for error in body["errors"]]


def test_without_a_key_it_is_401(client, world):
    assert client.get("/api/v1/analytics/kpis").status_code == 401


def test_the_journey_lists_touchpoints_oldest_first_with_channel_switches(api, issue_key, shop, ana):
    shop.write(at=DAY + 8 * H, channel="whatsapp")
    sale = shop.place(ana, at=DAY + 9 * H, method="carry_out", location="SCL", channel="pos", pay="cash", amount=5000)
    shop.return_(sale, at=DAY + 10 * H, by_mail=True, location="MAIL")

    response = api.as_(issue_key("manager")).get(f"/customers/{ana}/journey")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(s["kind"], s["channel"]) for s in body["steps"]] == [
        ("message", "whatsapp"), ("order", "pos"), ("return", "mail")]
    assert [s["switch"] for s in body["steps"]] == [False, True, True]
    assert body["channel_switches"] == 2 and body["steps"][1]["ref"] == sale


def test_the_journey_is_for_managers_and_knows_no_stranger(api, issue_key, ana):
    assert api.as_(issue_key("store_staff", locations=["SCL"])).get(f"/customers/{ana}/journey").status_code == 403
    missing = api.get("/customers/cus_nobody/journey")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/problem+json")

import datetime as dt

import pytest

from omnicanal.inventory import queries

from .conftest import WEDNESDAY_AFTERNOON, receive, reserve

pytestmark = pytest.mark.django_db


def test_availability_is_on_hand_less_reserved_less_safety_stock_per_channel(chain):
    receive(chain["WH"], **{"SHOE-40": 4})
    receive(chain["SCL"], **{"SHOE-40": 3})
    reserve("ord_1", ("SHOE-40", 1), locations=["WH"])
    web = queries.availability(sku="SHOE-40", channel="web", at=WEDNESDAY_AFTERNOON)
    assert web.available == 3 + 2
    assert {p.code: p.available for p in web.locations} == {"WH": 3, "SCL": 2}
    pos = queries.availability(sku="SHOE-40", channel="pos", at=WEDNESDAY_AFTERNOON)
    assert {p.code: p.available for p in pos.locations}["SCL"] == 3  # the POS keeps nothing back


def test_nearest_first_with_pickup_today_when_the_store_has_it_and_is_open(chain):
    receive(chain["WH"], **{"SHOE-40": 9})
    receive(chain["SCL"], **{"SHOE-40": 2})
    receive(chain["VAP"], **{"SHOE-40": 2})
    # a customer in Viña del Mar, on a Wednesday afternoon
    seen = queries.availability(sku="SHOE-40", channel="web", lat=-33.0245, lon=-71.5518, at=WEDNESDAY_AFTERNOON)
    assert [p.code for p in seen.locations] == ["VAP", "WH", "SCL"]  # Pudahuel is nearer than the centre
    vap = seen.locations[0]
    assert vap.pickup and vap.pickup_today and vap.open_now and vap.distance_km < 10
    assert not seen.locations[1].pickup  # the warehouse ships only
    # at 21:30 local time the stores have closed: pickup, but not today
    late = dt.datetime(2026, 1, 15, 0, 30, tzinfo=dt.UTC)
    late_view = queries.availability(sku="SHOE-40", channel="web", at=late)
    assert all(p.pickup and not p.pickup_today for p in late_view.locations if p.code in ("SCL", "VAP"))


def test_the_availability_endpoint_answers_the_contract(api, chain):
    receive(chain["SCL"], **{"SHOE-40": 3})
    response = api.get("/availability?sku=SHOE-40&channel=web&lat=-33.44&lon=-70.65")
    assert response.status_code == 200
    body = response.json()
    assert (body["sku"], body["channel"], body["available"]) == ("SHOE-40", "web", 2)
    place = body["locations"][0]
    assert place["code"] == "SCL" and place["available"] == 2 and place["pickup"] is True
    assert api.get("/availability?sku=NOPE&channel=web").status_code == 404
    assert api.get("/availability?sku=SHOE-40&channel=fax").status_code == 404
    assert api.get("/availability?sku=SHOE-40&channel=web&lat=-33").status_code == 422


def test_bulk_availability_for_feeds(api, chain):
    receive(chain["WH"], **{"SHOE-40": 3, "SHOE-41": 1})
    response = api.post("/availability/bulk", {"channel": "web", "skus": ["SHOE-40", "SHOE-41", "SHOE-42"]})
    assert response.status_code == 200
    assert {i["sku"]: i["available"] for i in response.json()["items"]} == {"SHOE-40": 3, "SHOE-41": 1, "SHOE-42": 0}
    by_get = api.get("/availability?channel=web&skus=SHOE-40,SHOE-41").json()
    assert [i["available"] for i in by_get["items"]] == [3, 1]


def test_availability_is_a_single_query(chain, django_assert_num_queries):
    receive(chain["WH"], **{"SHOE-40": 3})
    with django_assert_num_queries(1):
        queries.availability(sku="SHOE-40", channel="web")
    with django_assert_num_queries(1):
        queries.availability_many(skus=["SHOE-40", "SHOE-41", "SHOE-42"], channel="web")


def test_the_catalog_audit_sees_published_but_out_of_stock_through_inventory(chain):
    from omnicanal.catalog.consistency import consistency_report

    receive(chain["WH"], **{"SHOE-40": 3})
    found = {(d.sku, d.channel) for d in consistency_report(fields=["stock"])}
    assert ("SHOE-40", "web") not in found
    assert ("SHOE-41", "web") in found

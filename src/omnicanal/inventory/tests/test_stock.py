import pytest
from django.db import IntegrityError, transaction

from omnicanal.core.errors import Conflict, InsufficientStock, ValidationFailed
from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import StockLevel, StockMovement

from .conftest import receive

pytestmark = pytest.mark.django_db


def test_a_location_is_created_with_201_and_serves_channels(api):
    response = api.post("/locations", {
        "code": "STGO-SUR", "name": "Tienda Sur", "kind": "store", "capabilities": ["ship", "pickup", "returns"],
        "address": {"line1": "Gran Avenida 1", "city": "San Miguel", "country": "CL"}, "lat": -33.5, "lon": -70.65,
        "timezone": "America/Santiago", "opening_hours": {"mon-sat": "10:00-20:00"},
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "STGO-SUR" and body["capabilities"] == ["ship", "pickup", "returns"]
    web = next(link for link in body["channels"] if link["channel"] == "web")
    assert web == {"channel": "web", "ships": True, "pickup": True, "safety_stock": 0, "priority": 100}
    assert api.post("/locations", {"code": "STGO-SUR", "name": "x", "kind": "store"}).status_code == 422
    bad = api.post("/locations", {"code": "X1", "name": "x", "kind": "castle", "lat": 100})
    assert bad.status_code == 422 and {"kind", "lat"} <= {e["field"] for e in bad.json()["errors"]}
    hours = api.post("/locations", {"code": "X2", "name": "x", "kind": "store", "opening_hours": {"mon": "25:00"}})
    assert hours.status_code == 422


def test_every_change_of_on_hand_is_a_movement_and_on_hand_is_their_sum(chain):
    wh = chain["WH"]
    receive(wh, **{"SHOE-40": 10})
    services.do_adjust_stock(location=wh, sku="SHOE-40", delta=-2, reason="dañadas")
    services.do_count(location=wh, lines=[("SHOE-40", 7)], reason="conteo")
    level = StockLevel.objects.get(location=wh, variant__sku="SHOE-40")
    assert level.on_hand == 7
    assert queries.ledger_balance(location="WH", sku="SHOE-40") == 7
    assert list(StockMovement.objects.filter(stock=level).order_by("id").values_list("kind", "quantity")) == [
        ("receipt", 10), ("adjustment", -2), ("count", -1)]
    assert OutboxEvent.objects.filter(topic="inventory.StockChanged").count() == 3


def test_the_database_refuses_reserved_above_on_hand_or_negative_stock(chain):
    receive(chain["WH"], **{"SHOE-40": 2})
    level = StockLevel.objects.get(location=chain["WH"], variant__sku="SHOE-40")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(reserved=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(on_hand=-1, reserved=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(reserved=-1)


def test_put_stock_sets_the_counted_quantity_and_records_the_difference(api, chain):
    receive(chain["SCL"], **{"SHOE-41": 5})
    response = api.put("/stock/SCL/SHOE-41", {"on_hand": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["on_hand"], body["reserved"], body["available"]) == (3, 0, 3)
    assert body["movement"]["kind"] == "count" and body["movement"]["quantity"] == -2
    assert body["count_id"].startswith("cnt_")
    # a SKU never stocked there starts from zero
    assert api.put("/stock/SCL/SHOE-42", {"on_hand": 4}).json()["movement"]["quantity"] == 4
    assert api.put("/stock/SCL/NOPE", {"on_hand": 4}).status_code == 422
    assert api.put("/stock/NOWHERE/SHOE-42", {"on_hand": 4}).status_code == 404
    assert api.put("/stock/SCL/SHOE-42", {"on_hand": -4}).status_code == 422
    assert AuditEntry.objects.filter(action="stock.count", target_id="SCL").count() == 2


def test_store_staff_change_stock_only_at_their_own_locations(api, issue_key, chain):
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    assert clerk.put("/stock/SCL/SHOE-40", {"on_hand": 2}).status_code == 200
    refused = clerk.put("/stock/VAP/SHOE-40", {"on_hand": 2})
    assert refused.status_code == 403 and refused.json()["type"].endswith("forbidden")
    assert clerk.post("/locations/VAP/adjustments", {"sku": "SHOE-40", "delta": 1, "reason": "x"}).status_code == 403
    assert api.as_(issue_key("marketer")).put("/stock/SCL/SHOE-40", {"on_hand": 2}).status_code == 403
    assert not StockLevel.objects.filter(location=chain["VAP"]).exists()


def test_receipts_and_adjustments_over_the_api(api, chain):
    got = api.post("/locations/WH/receipts", {"lines": [{"sku": "SHOE-40", "quantity": 4}, {"sku": "SHOE-40", "quantity": 2}],
                                          "reference": "GD-1001"})
    assert got.status_code == 201 and got.json()[0]["on_hand"] == 6
    adj = api.post("/locations/WH/adjustments", {"sku": "SHOE-40", "delta": -1, "reason": "caja rota"})
    assert adj.status_code == 201 and adj.json()["on_hand"] == 5
    assert api.post("/locations/WH/adjustments", {"sku": "SHOE-40", "delta": -9, "reason": "x"}).status_code == 409
    moves = api.get("/movements?location=WH&sku=SHOE-40").json()
    assert [m["kind"] for m in moves] == ["adjustment", "receipt"] and moves[1]["reference"] == "GD-1001"
    assert AuditEntry.objects.filter(action="stock.adjust", target_id="WH/SHOE-40").get().reason == "caja rota"


def test_an_adjustment_cannot_cut_into_reserved_units(chain):
    from .conftest import reserve

    receive(chain["WH"], **{"SHOE-40": 3})
    reserve("ord_1", ("SHOE-40", 2), locations=["WH"])
    with pytest.raises(InsufficientStock):
        services.do_adjust_stock(location=chain["WH"], sku="SHOE-40", delta=-2, reason="robo")
    services.do_adjust_stock(location=chain["WH"], sku="SHOE-40", delta=-1, reason="robo")


def test_a_count_below_the_reserved_units_is_refused(chain):
    from .conftest import reserve

    receive(chain["WH"], **{"SHOE-40": 3})
    reserve("ord_1", ("SHOE-40", 2), locations=["WH"])
    with pytest.raises(Conflict) as caught:
        services.do_count(location=chain["WH"], lines=[("SHOE-40", 1)])
    assert caught.value.extra["lines"] == [{"sku": "SHOE-40", "counted": 1, "reserved": 2}]


def test_a_cycle_count_reports_its_variance(api, chain):
    receive(chain["SCL"], **{"SHOE-40": 5, "SHOE-41": 5, "SHOE-42": 5})
    response = api.post("/counts", {"location": "SCL", "lines": [
        {"sku": "SHOE-40", "counted": 5}, {"sku": "SHOE-41", "counted": 3}, {"sku": "SHOE-42", "counted": 6}]})
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["variance_units"] == -1 and report["lines_with_variance"] == 2
    assert report["variance_value"] == {"amount": "-50000", "currency": "CLP"}
    assert [(x["sku"], x["expected"], x["counted"], x["variance"]) for x in report["lines"]] == [
        ("SHOE-40", 5, 5, 0), ("SHOE-41", 5, 3, -2), ("SHOE-42", 5, 6, 1)]
    assert api.get(f"/counts/{report['id']}").json() == report
    with pytest.raises(ValidationFailed):
        services.do_count(location=chain["SCL"], lines=[("SHOE-40", 1), ("SHOE-40", 2)])

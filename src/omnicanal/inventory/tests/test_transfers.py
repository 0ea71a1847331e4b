import pytest

from omnicanal.core.errors import InsufficientStock, InvalidTransition
from omnicanal.core.models import AuditEntry
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import StockLevel

from .conftest import receive

pytestmark = pytest.mark.django_db


def on_hand(code, sku):
    row = StockLevel.objects.filter(location__code=code, variant__sku=sku).first()
    return row.on_hand if row else 0


def test_a_transfer_leaves_the_origin_travels_and_arrives(chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    transfer = services.do_request_transfer(origin=chain["WH"], destination=chain["SCL"], lines=[("SHOE-40", 3)],
                                            reference="ord_7")
    assert transfer.id.startswith("trf_") and on_hand("WH", "SHOE-40") == 5
    services.do_ship_transfer(transfer_id=transfer.id)
    # in transit it belongs to neither location
    assert (on_hand("WH", "SHOE-40"), on_hand("SCL", "SHOE-40"), queries.in_transit(sku="SHOE-40")) == (2, 0, 3)
    services.do_receive_transfer(transfer_id=transfer.id, received={"SHOE-40": 2})
    assert (on_hand("SCL", "SHOE-40"), queries.in_transit(sku="SHOE-40")) == (2, 0)
    assert queries.transfer_lines(queries.get_transfer(transfer.id)) == [
        {"quantity": 3, "received": 2, "sku": "SHOE-40"}]
    assert queries.ledger_balance(location="SCL", sku="SHOE-40") == 2
    assert queries.ledger_balance(location="WH", sku="SHOE-40") == 2
    assert set(AuditEntry.objects.filter(target_id=transfer.id).values_list("action", flat=True)) == {
        "transfer.request", "transfer.ship", "transfer.receive"}
    with pytest.raises(InvalidTransition):
        services.do_receive_transfer(transfer_id=transfer.id)


def test_reserved_units_cannot_be_shipped_away(chain):
    from .conftest import reserve

    receive(chain["WH"], **{"SHOE-40": 2})
    reserve("ord_1", ("SHOE-40", 1), locations=["WH"])
    transfer = services.do_request_transfer(origin=chain["WH"], destination=chain["SCL"], lines=[("SHOE-40", 2)])
    with pytest.raises(InsufficientStock):
        services.do_ship_transfer(transfer_id=transfer.id)


def test_transfers_over_the_api_respect_the_clerk_s_locations(api, issue_key, chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    created = api.post("/transfers", {"origin": "WH", "destination": "SCL",
                                      "lines": [{"sku": "SHOE-40", "quantity": 2}], "ship": True})
    assert created.status_code == 201, created.content
    transfer = created.json()
    assert transfer["status"] == "in_transit"
    other_clerk = api.as_(issue_key("store_staff", ["VAP"]))
    # a transfer between other locations does not exist for this clerk: 404 (issue 13, least privilege)
    assert other_clerk.post(f"/transfers/{transfer['id']}/receive").status_code == 404
    clerk = api.as_(issue_key("store_staff", ["SCL"]))
    received = clerk.post(f"/transfers/{transfer['id']}/receive")
    assert received.status_code == 200 and received.json()["status"] == "received"
    assert on_hand("SCL", "SHOE-40") == 2
    cancelled = api.post("/transfers", {"origin": "WH", "destination": "VAP", "lines": [{"sku": "SHOE-41", "quantity": 1}]})
    assert api.post(f"/transfers/{cancelled.json()['id']}/cancel").json()["status"] == "cancelled"

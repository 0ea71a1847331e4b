import pytest

from omnicanal.core.services import do_create_staff_user
from omnicanal.inventory.models import StockLevel, TransferStatus

from .conftest import receive

pytestmark = pytest.mark.django_db


def login(client, role, locations=()):
    user = do_create_staff_user(username=f"{role}-x", password="secret-pass", role=role, locations=list(locations))
    client.force_login(user)
    return client


def test_the_inventory_pages_render(client, chain):
    receive(chain["WH"], **{"SHOE-40": 3})
    login(client, "manager")
    for url in ("/console/inventory/", "/console/inventory/?low=1&sku=SHOE&location=WH", "/console/inventory/movements/",
                "/console/inventory/movements/?kind=receipt&sku=SHOE-40", "/console/inventory/receipt/",
                "/console/inventory/adjustment/", "/console/inventory/count/", "/console/inventory/transfers/",
                "/console/inventory/transfers/new/", "/console/inventory/locations/",
                "/console/inventory/reservations/"):
        assert client.get(url).status_code == 200, url


def test_a_clerk_is_offered_only_their_store_and_cannot_post_for_another(client, chain):
    login(client, "store_staff", ["SCL"])
    form = client.get("/console/inventory/receipt/").content.decode()
    assert 'value="SCL"' in form and 'value="VAP"' not in form
    client.post("/console/inventory/receipt/", {"location": "VAP", "kind": "receipt", "lines": "SHOE-40 5"})
    assert not StockLevel.objects.filter(location__code="VAP").exists()
    done = client.post("/console/inventory/receipt/", {"location": "SCL", "kind": "receipt", "lines": "SHOE-40 5"})
    assert done.status_code == 302
    assert StockLevel.objects.get(location__code="SCL", variant__sku="SHOE-40").on_hand == 5


def test_a_count_from_the_console_shows_its_variance_report(client, chain):
    receive(chain["SCL"], **{"SHOE-40": 5, "SHOE-41": 2})
    login(client, "store_staff", ["SCL"])
    response = client.post("/console/inventory/count/", {"location": "SCL", "lines": "SHOE-40 4\nSHOE-41 2"})
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert report.status_code == 200 and b"-1" in report.content


def test_transfers_are_shipped_and_received_from_the_console(client, chain):
    receive(chain["WH"], **{"SHOE-40": 5})
    login(client, "manager")
    client.post("/console/inventory/transfers/new/", {"origin": "WH", "destination": "SCL", "lines": "SHOE-40 2",
                                                      "ship_now": "on"})
    from omnicanal.inventory.models import Transfer

    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.IN_TRANSIT
    client.post(f"/console/inventory/transfers/{transfer.public_id}/receive/")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert StockLevel.objects.get(location__code="SCL", variant__sku="SHOE-40").on_hand == 2


def test_a_marketer_does_not_see_the_stock_pages(client, chain):
    login(client, "marketer")
    assert client.get("/console/inventory/").status_code == 403

"""Issue 13, least privilege: a store clerk sees only transfers from or to their locations (others
are 404 and absent from lists, API and console) and only their stores' stock ledger in the console;
an integration key needs the `stock` scope."""

import pytest

from omnicanal.core.services import do_create_staff_user
from omnicanal.inventory import services

from .conftest import HOURS, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def valpo_to_concepcion(chain):
    """A transfer Valparaíso → Concepción, shipped."""
    chain["CCP"] = services.do_create_location(code="CCP", name="Tienda Concepción", kind="store",
                                               capabilities=["ship", "pickup", "returns"], lat=-36.82, lon=-73.05,
                                               opening_hours=HOURS)
    receive(chain["VAP"], **{"SHOE-41": 4})
    transfer = services.do_request_transfer(origin=chain["VAP"], destination=chain["CCP"], lines=[("SHOE-41", 2)],
                                            reference="restock-ccp")
    services.do_ship_transfer(transfer_id=transfer.id)
    return transfer.id


def test_a_santiago_clerk_gets_404_for_a_transfer_between_other_stores(api, issue_key, valpo_to_concepcion):
    # given a Valparaíso → Concepción transfer, and a Santiago clerk
    santiago = api.as_(issue_key("store_staff", ["SCL"]))
    # when the clerk reads it, lists transfers or tries to act on it
    # then it does not exist for them
    assert santiago.get(f"/transfers/{valpo_to_concepcion}").status_code == 404
    assert valpo_to_concepcion not in {t["id"] for t in santiago.get("/transfers").json()}
    for action in ("ship", "receive", "cancel"):
        assert santiago.post(f"/transfers/{valpo_to_concepcion}/{action}").status_code == 404
    # while the Concepción clerk sees it (and a Valparaíso clerk may not receive it: visible, not theirs)
    concepcion = api.as_(issue_key("store_staff", ["CCP"]))
    assert concepcion.get(f"/transfers/{valpo_to_concepcion}").status_code == 200
    assert api.as_(issue_key("store_staff", ["VAP"])).post(
        f"/transfers/{valpo_to_concepcion}/receive").status_code == 403


def test_the_console_hides_other_stores_transfers_and_ledger_from_a_clerk(client, valpo_to_concepcion):
    # given a Santiago clerk signed in to the console
    user = do_create_staff_user(username="clerk-scl", password="secret-pass", role="store_staff", locations=["SCL"])
    client.force_login(user)
    # when they open the transfers, the stock ledger, or post an action on the transfer
    transfers = client.get("/console/inventory/transfers/?status=").content.decode()
    ledger = client.get("/console/inventory/movements/").content.decode()
    acted = client.post(f"/console/inventory/transfers/{valpo_to_concepcion}/receive/")
    # then the transfer is nowhere, and acting on it is 404
    assert valpo_to_concepcion not in transfers
    assert valpo_to_concepcion not in ledger and "restock-ccp" not in ledger
    assert acted.status_code == 404


def test_an_integration_key_needs_the_stock_scope(api, issue_key, chain):
    assert api.as_(issue_key("integration", scopes=["orders"])).get("/transfers").status_code == 403
    assert api.as_(issue_key("integration", scopes=["orders"])).get("/locations").status_code == 403
    assert api.as_(issue_key("integration", scopes=["stock"])).get("/locations").status_code == 200
    assert api.as_(issue_key("integration")).get("/locations").status_code == 200  # default: orders, catalog, stock

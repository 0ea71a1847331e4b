"""Issue 13, least privilege in the order book: a store clerk sees only their locations' orders and
returns (others are 404, absent from lists and from the customer 360); pickup codes only at the
pickup desk; integration keys without `customers-pii` get no personal data, without `orders` no
orders at all."""

import json

import pytest
from django.db import transaction

from omnicanal.core.auth import Principal
from omnicanal.inventory import services as inventory
from omnicanal.loyalty import panel as loyalty_panel
from omnicanal.orders.tests.conftest import HOURS
from omnicanal.orders.tests.helpers import ADDRESS, console_login, pay_by_webhook, place
from omnicanal.orders.tests.test_returns import delivered_web_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def concepcion(world):
    with transaction.atomic():
        return inventory.do_create_location(code="CCP", name="Tienda Concepción", kind="store",
                                            capabilities=["ship", "pickup", "returns"], lat=-36.82, lon=-73.05,
                                            opening_hours=HOURS)


def delivered(api, client, customer_id, lines=(("SHOE-41", 1),)):
    return delivered_web_order(api, client, customer_id, lines=lines)


def pickup_at(api, code, sku, customer_id):
    r = place(api, lines=[(sku, 1)], method="pickup", location=code, customer_id=customer_id)
    assert r.status_code == 201, r.json()
    return r.json()


# --- orders and returns of other stores ---------------------------------------------------------------


def test_a_santiago_clerk_gets_404_for_a_valparaiso_return_and_its_order(api, client, issue_key, customer_id):
    # given a web order shipped from the warehouse, returned at the Valparaíso counter
    order = delivered(api, client, customer_id)
    ret = api.post("/returns", {"order_id": order["id"], "location": "VAP",
                                "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "too small"}]})
    assert ret.status_code == 201, ret.json()
    santiago = api.as_(issue_key("store_staff", ["SCL"]))
    valparaiso = api.as_(issue_key("store_staff", ["VAP"]))
    # when a Santiago clerk asks for the return, its order, or lists orders
    # then neither exists for them (404, not 403), and the list leaves the order out
    assert santiago.get(f"/returns/{ret.json()['id']}").status_code == 404
    assert santiago.get(f"/orders/{order['id']}").status_code == 404
    assert santiago.post(f"/returns/{ret.json()['id']}/receive").status_code == 404
    assert order["id"] not in {o["id"] for o in santiago.get("/orders").json()}
    # while the Valparaíso clerk, whose counter holds the return, sees both
    assert valparaiso.get(f"/returns/{ret.json()['id']}").status_code == 200
    assert valparaiso.get(f"/orders/{order['id']}").status_code == 200
    assert order["id"] in {o["id"] for o in valparaiso.get("/orders").json()}


def test_a_clerk_sees_the_orders_of_their_pos_and_their_pickups(api, issue_key, customer_id):
    # given an order picked up in Santiago and one in Valparaíso
    scl = pickup_at(api, "SCL", "SHOE-40", customer_id)
    vap = pickup_at(api, "VAP", "SHOE-42", customer_id)
    santiago = api.as_(issue_key("store_staff", ["SCL"]))
    # then the Santiago clerk lists and reads Santiago's only
    listed = {o["id"] for o in santiago.get("/orders").json()}
    assert scl["id"] in listed and vap["id"] not in listed
    assert santiago.get(f"/orders/{scl['id']}").status_code == 200
    assert santiago.get(f"/orders/{vap['id']}").status_code == 404
    assert santiago.get(f"/orders?customer_id={customer_id}").json()[0]["id"] == scl["id"]


def test_the_mail_returns_list_of_a_clerk_holds_only_their_destinations(api, client, customer_id):
    # given a parcel return addressed to the warehouse
    order = delivered(api, client, customer_id)
    ret = api.post("/returns", {"order_id": order["id"], "location": "MAIL",
                                "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "too small"}]}).json()
    assert ret["location"] == "WH"
    # when a Santiago clerk opens the returns desk asking for every destination
    console_login(client, "store_staff", ["SCL"], "clerk-scl")
    page = client.get("/console/orders/returns/?location=SCL&mail=all").content.decode()
    # then the warehouse's parcel is not there, and its label is 404
    assert ret["id"] not in page
    assert client.get(f"/console/orders/r/{ret['id']}/label/").status_code == 404


# --- the customer 360 --------------------------------------------------------------------------------


def test_the_360_of_a_customer_with_orders_at_two_stores_shows_a_santiago_clerk_only_santiago_s(
        api, client, issue_key, customer_id, django_capture_on_commit_callbacks):
    # given a customer with a paid order picked up in Santiago and one in Valparaíso (their events
    # on the timeline, their points on the loyalty statement)
    with django_capture_on_commit_callbacks(execute=True):
        scl = pickup_at(api, "SCL", "SHOE-40", customer_id)
        vap = pickup_at(api, "VAP", "SHOE-42", customer_id)
    for order in (scl, vap):
        with django_capture_on_commit_callbacks(execute=True):
            pay_by_webhook(client, order["payments"][0]["id"])
    manager = api.as_(issue_key("manager"))
    timeline = manager.get(f"/customers/{customer_id}/timeline").json()["items"]
    assert {vap["number"], vap["id"]} & {i["ref"] for i in timeline}  # the timeline names it
    # when a Santiago clerk reads the single view and the timeline, and opens the 360 page and its
    # orders panel
    santiago = api.as_(issue_key("store_staff", ["SCL"]))
    view = santiago.get(f"/customers/{customer_id}")
    assert view.status_code == 200
    own_timeline = santiago.get(f"/customers/{customer_id}/timeline").json()["items"]
    console_login(client, "store_staff", ["SCL"], "clerk-360")
    page = client.get(f"/console/customers/{customer_id}/").content.decode()
    panel = client.get(f"/console/orders/panel/{customer_id}/").content.decode()
    # then only Santiago's order shows, in each of them
    assert [o["number"] for o in view.json()["recent_orders"]] == [scl["number"]]
    assert not {vap["number"], vap["id"]} & {i["ref"] for i in own_timeline}
    assert {scl["number"], scl["id"]} & {i["ref"] for i in own_timeline}
    for html in (page, panel):
        assert scl["number"] in html
        assert vap["number"] not in html and vap["id"] not in html
    # while a manager sees both
    every = manager.get(f"/customers/{customer_id}").json()
    assert {o["number"] for o in every["recent_orders"]} == {scl["number"], vap["number"]}
    console_login(client, "manager", (), "manager-360")
    manager_page = client.get(f"/console/customers/{customer_id}/").content.decode()
    assert vap["number"] in manager_page and vap["id"] in manager_page
    # and the loyalty statement's movements of Valparaíso's order are the ones left out for the clerk
    clerk = Principal(kind="user", id="1", name="clerk", role="store_staff", locations=frozenset({"SCL"}))
    with transaction.atomic():
        every_ref = {e.reference for e in loyalty_panel.panel_context(customer_id)["entries"]}
        clerk_refs = {e.reference for e in loyalty_panel.panel_context(customer_id, principal=clerk)["entries"]}
    assert {scl["id"], vap["id"]} <= every_ref
    assert scl["id"] in clerk_refs and vap["id"] not in clerk_refs
    statement = {e["reference"] for e in santiago.get(f"/customers/{customer_id}/loyalty").json()["entries"]}
    assert scl["id"] in statement and vap["id"] not in statement


# --- pickup codes ------------------------------------------------------------------------------------


def _code(answer) -> object:
    f = answer.json()["fulfillments"][0]
    assert "pickup_code" in f  # the field stays in the schema (API.md); its value may be null
    return f["pickup_code"]


def test_a_pickup_code_shows_only_at_the_pickup_desk(api, client, issue_key, customer_id, concepcion):
    # given an order to pick up in Santiago
    order = pickup_at(api, "SCL", "SHOE-40", customer_id)
    code = order["fulfillments"][0]["pickup_code"]  # the admin placing it
    assert code and len(code) == 6
    url = f"/orders/{order['id']}"
    # then the Santiago desk and a manager read it
    assert _code(api.as_(issue_key("store_staff", ["SCL"])).get(url)) == code
    assert _code(api.as_(issue_key("manager")).get(url)) == code
    # but an agent and an integration key get null, in the order and in the list
    agent = api.as_(issue_key("agent"))
    integration = api.as_(issue_key("integration", scopes=["orders", "customers-pii"]))
    assert _code(agent.get(url)) is None
    assert _code(integration.get(url)) is None
    for reader in (agent, integration):
        listed = next(o for o in reader.get("/orders").json() if o["id"] == order["id"])
        assert listed["fulfillments"][0]["pickup_code"] is None
        assert code not in json.dumps(reader.get(url).json())
    # and a Concepción clerk does not even see the order
    concepcion_clerk = api.as_(issue_key("store_staff", ["CCP"]))
    assert concepcion_clerk.get(url).status_code == 404
    assert order["id"] not in {o["id"] for o in concepcion_clerk.get("/orders").json()}
    # nor at their returns desk, where any order can be looked up by its number
    console_login(client, "store_staff", ["CCP"], "clerk-ccp")
    desk = client.get(f"/console/orders/returns/?location=CCP&order={order['number']}")
    assert desk.status_code == 200 and order["number"] in desk.content.decode()
    assert code not in desk.content.decode()


def test_an_integration_placing_a_pickup_order_does_not_get_its_code(api, issue_key, customer_id):
    # given an integration key (a marketplace) placing a pickup order
    integration = api.as_(issue_key("integration"))
    r = place(integration, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id)
    # then the answer carries no code: the customer gets it by notification
    assert r.status_code == 201, r.json()
    assert r.json()["fulfillments"][0]["pickup_code"] is None


# --- integration scopes ------------------------------------------------------------------------------


def test_an_integration_without_customers_pii_gets_no_address_name_or_email(api, issue_key, customer_id):
    # given a shipped order to Ana's address
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    url = f"/orders/{order['id']}"
    # when an integration key with orders but not customers-pii reads it
    masked = api.as_(issue_key("integration", scopes=["orders"])).get(url)
    # then the address is null and no personal data is anywhere in the answer
    assert masked.status_code == 200
    assert masked.json()["delivery"]["address"] is None
    text = json.dumps(masked.json())
    for personal in (ADDRESS["line1"], "Ana", "ana@example.cl", "987654321"):
        assert personal not in text
    # while a key with customers-pii gets the address
    full = api.as_(issue_key("integration", scopes=["orders", "customers-pii"])).get(url).json()
    assert full["delivery"]["address"]["line1"] == ADDRESS["line1"]


def test_an_integration_without_the_orders_scope_is_refused(api, issue_key, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    stock_only = api.as_(issue_key("integration", scopes=["stock"]))
    for answer in (stock_only.get(f"/orders/{order['id']}"), stock_only.get("/orders"),
                   place(stock_only, lines=[("SHOE-41", 1)], customer_id=customer_id)):
        assert answer.status_code == 403
        assert answer["Content-Type"].startswith("application/problem+json")


def test_an_integration_reaches_loyalty_only_with_the_orders_scope(api, issue_key, customer_id):
    # loyalty serves checkout (points, stored value, gift cards): the `orders` scope
    url = f"/customers/{customer_id}/loyalty"
    assert api.as_(issue_key("integration", scopes=["catalog"])).get(url).status_code == 403
    assert api.as_(issue_key("integration", scopes=["orders"])).get(url).status_code == 200


def test_a_clerk_posting_a_step_of_another_store_s_order_in_the_console_gets_404(api, client, customer_id):
    # given a web order leaving from the warehouse
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    fulfillment = order["fulfillments"][0]["id"]
    # when a Santiago clerk posts its "pick" step, or opens its page
    console_login(client, "store_staff", ["SCL"], "clerk-steps")
    # then neither exists for them, and nothing moved
    assert client.post(f"/console/orders/f/{fulfillment}/pick/").status_code == 404
    assert client.get(f"/console/orders/o/{order['id']}/").status_code == 404
    assert api.get(f"/orders/{order['id']}").json()["fulfillments"][0]["status"] == "pending"

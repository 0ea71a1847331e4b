"""Issue 14 item 6: orders' rights live in orders/roles.py only; the API, the console pages and
their navigation read the same tuples, so a role a right leaves out gets 403 from the API and is
offered no such action in the console."""


import pytest
from django.urls import reverse

from omnicanal.core.testing import role_literals
from omnicanal.orders import roles
from omnicanal.orders.tests.helpers import console_login, pay_by_webhook, place

pytestmark = pytest.mark.django_db

DOMAIN = "orders"

REFUND = {"amount": {"amount": "1000", "currency": "CLP"}}


def test_a_role_refunds_leave_out_gets_403_and_no_refund_form(api, client, issue_key, customer_id):
    assert "agent" not in roles.REFUNDERS and "agent" in roles.CANCELLERS
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # a refund is offered only where money was taken
    agent = api.as_(issue_key("agent"))
    assert agent.post(f"/orders/{order['id']}/refund", REFUND).status_code == 403
    assert agent.get(f"/orders/{order['id']}").status_code == 200

    console_login(client, "agent")
    page = client.get(reverse("orders:detail", args=[order["id"]])).content.decode()
    assert reverse("orders:refund", args=[order["id"]]) not in page
    assert reverse("orders:cancel", args=[order["id"]]) in page  # agents cancel, on the API as well
    assert client.post(reverse("orders:refund", args=[order["id"]]), {"amount": "1000"}).status_code == 403

    console_login(client, "manager")  # the tuple's role: offered and allowed
    page = client.get(reverse("orders:detail", args=[order["id"]])).content.decode()
    assert reverse("orders:refund", args=[order["id"]]) in page


def test_a_role_the_dispute_queue_leaves_out_sees_neither_it_nor_its_menu_entry(api, client, issue_key):
    assert "store_staff" not in roles.DISPUTE_READERS
    assert api.as_(issue_key("store_staff", ["SCL"])).get("/disputes").status_code == 403
    console_login(client, "store_staff", ["SCL"])
    assert client.get(reverse("orders:disputes")).status_code == 403
    assert reverse("orders:disputes") not in client.get(reverse("orders:list")).content.decode()
    console_login(client, "agent")
    assert api.as_(issue_key("agent")).get("/disputes").status_code == 200
    assert client.get(reverse("orders:disputes")).status_code == 200
    assert reverse("orders:disputes") in client.get(reverse("orders:list")).content.decode()


def test_the_console_grants_the_api_rights_less_the_integration_keys():
    assert roles.console(roles.FLOOR) == ("store_staff", "manager")
    assert roles.allows("admin", roles.REFUNDERS) and not roles.allows("integration", roles.console(roles.SELLERS))


def test_no_role_name_is_written_outside_roles_py():
    assert role_literals(DOMAIN) == []

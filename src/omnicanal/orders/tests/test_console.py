"""Console pages render for staff, with the clerk limited to their stores."""

import pytest
from django.db import transaction

from omnicanal.core.services import do_create_staff_user
from omnicanal.orders.tests.helpers import act, place

pytestmark = pytest.mark.django_db


def login(client, role="manager", locations=()):
    with transaction.atomic():
        user = do_create_staff_user(username=f"{role}-x", password="secret-pass", role=role, locations=list(locations))
    client.force_login(user)
    return user


def test_order_console_pages_render(api, client, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    login(client)
    assert order["number"] in client.get("/console/orders/").content.decode()
    page = client.get(f"/console/orders/o/{order['id']}/").content.decode()
    assert "tienda elegida" in page and "IVA" in page  # the reason, in the reader's language
    assert client.get("/console/orders/queue/?location=SCL").status_code == 200
    assert client.get("/console/orders/pickups/?location=SCL").status_code == 200
    assert client.get("/console/orders/pos/?location=SCL").status_code == 200
    assert order["number"] in client.get(f"/console/orders/returns/?order={order['number']}").content.decode()
    assert client.get("/console/orders/?channel=web&status=pending_payment&location=SCL&method=pickup"
                      ).content.decode().count(order["number"]) == 1


def test_console_fulfilment_steps_and_cancel_are_audited(api, client, customer_id):
    from omnicanal.core.models import AuditEntry

    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    f = order["fulfillments"][0]
    login(client, "store_staff", ["WH"])
    client.post(f"/console/orders/f/{f['id']}/pick/")
    assert api.get(f"/orders/{order['id']}").json()["fulfillments"][0]["status"] == "picking"
    client.post(f"/console/orders/o/{order['id']}/cancel/", {"reason": "duplicate", "confirm": "yes"})
    assert api.get(f"/orders/{order['id']}").json()["status"] == "cancelled"
    assert AuditEntry.objects.filter(action="order.cancel").count() == 1


def test_a_clerk_sees_only_orders_of_their_stores(api, client, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    login(client, "store_staff", ["VAP"])
    assert order["number"] not in client.get("/console/orders/").content.decode()
    assert client.get(f"/console/orders/o/{order['id']}/").status_code == 404
    act(api, order["fulfillments"][0]["id"], "pick")

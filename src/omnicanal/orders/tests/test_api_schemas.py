"""Issue 14 item 6: the order API answers typed schemas (orders/schemas.py) and the wire stays what
queries.py builds, key for key: a key only some answers carry stays absent elsewhere, and a key the
schema forgot is an error, never silently dropped."""

import json

import pytest
from ninja.responses import NinjaJSONEncoder
from pydantic import ValidationError

from omnicanal.core.auth import SYSTEM
from omnicanal.orders import queries
from omnicanal.orders.schemas import CartOut, OrderOut
from omnicanal.orders.tests.helpers import place
from omnicanal.orders.tests.test_return_by_mail import delivered, mail_return

pytestmark = pytest.mark.django_db


def wire(data):
    """`data` as the API's JSON encoder writes it."""
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def test_a_full_order_answer_is_the_order_dict_key_for_key(api, client, customer_id):
    order = delivered(api, client, customer_id)
    ret = mail_return(api, order)
    assert api.post(f"/orders/{order['id']}/disputes", {"kind": "defective", "note": "torn"}).status_code == 201
    got = api.get(f"/orders/{order['id']}").json()
    assert got == wire(queries.order_dict(queries.get_order(order["id"]), viewer=SYSTEM))
    assert {"refunds", "returns", "disputes"} <= set(got) and got["returns"][0]["id"] == ret["id"]
    assert got["returns"][0]["ship_to"]["location"] == "WH" and got["disputes"][0]["kind"] == "defective"
    assert got["totals"]["total"] == {"amount": got["totals"]["total"]["amount"], "currency": "CLP"}
    assert isinstance(got["totals"]["total"]["amount"], str)  # a decimal string, not a number


def test_keys_only_some_answers_carry_stay_absent(api, customer_id):
    shipped = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    assert "pickup_code" not in shipped["fulfillments"][0]
    assert not {"refunds", "returns", "disputes"} & set(shipped)  # placing answers the short form
    picked_up = place(api, lines=[("SOCK-1", 1)], method="pickup", location="SCL").json()
    assert len(picked_up["fulfillments"][0]["pickup_code"]) == 6
    listed = api.get(f"/orders?customer_id={customer_id}").json()
    assert listed and all("refunds" not in o for o in listed)
    assert listed[0] == wire(queries.order_dict(queries.get_order(listed[0]["id"]), full=False, viewer=SYSTEM))


def test_a_counter_return_has_no_label_keys(api, client, customer_id):
    order = delivered(api, client, customer_id)
    r = api.post("/returns", {"order_id": order["id"], "location": "WH", "refund_to": "original",
                              "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "too small"}]})
    assert r.status_code == 201, r.json()
    assert not {"ship_to", "label_url", "carrier", "tracking", "sent_at"} & set(r.json())


def test_a_cart_and_its_checkout_hold_are_typed(api, customer_id):
    cart = api.post("/carts", {"channel": "web", "customer_id": customer_id}).json()
    api.put(f"/carts/{cart['id']}/lines", {"sku": "SOCK-1", "quantity": 2})
    held = api.post(f"/carts/{cart['id']}/checkout", {}).json()
    assert held["lines"][0]["unit_price"]["currency"] == "CLP" and held["lines"][0]["in_stock"] is True
    assert set(held["hold"]) == {"reservation_id", "expires_at"}
    assert api.get(f"/customers/{customer_id}/cart").json() == wire(queries.cart_dict(queries.get_cart(cart["id"])))


def test_a_key_the_schema_does_not_name_is_an_error(api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    OrderOut.model_validate(order)
    with pytest.raises(ValidationError, match="surprise"):
        OrderOut.model_validate({**order, "surprise": 1})
    with pytest.raises(ValidationError, match="customer_id"):
        CartOut.model_validate({"id": "crt_x", "channel": "web", "status": "active", "lines": [],
                                "totals": {"subtotal": {"amount": "0", "currency": "CLP"},
                                           "total": {"amount": "0", "currency": "CLP"}, "tax_lines": []},
                                "updated_at": "2026-01-01T00:00:00+00:00"})


def test_the_openapi_document_names_the_order_schemas(client):
    document = client.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"OrderOut", "FulfillmentOut", "PaymentOut", "ReturnOut", "DisputeOut", "CartOut", "MoneyOut"} <= set(schemas)
    answer = document["paths"]["/api/v1/orders/{order_id}"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OrderOut"}

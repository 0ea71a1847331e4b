"""Numbers on the orders API are read strictly: a quantity is a JSON integer, an amount a plain
finite decimal; anything else is a 422 field error, never a 500 and never an order. The payment
provider's webhook reads JSON safely and de-duplicates event ids of any length."""

import pytest

from omnicanal.orders import providers
from omnicanal.orders.models import Order, ProviderEvent
from omnicanal.orders.tests.helpers import pay_by_webhook, place

pytestmark = pytest.mark.django_db


def field_errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/validation"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize("quantity", ["1", True, 1.0])
def test_a_quantity_must_be_a_json_integer(api, world, quantity):
    # given an otherwise valid order whose quantity is a string, a boolean or a float
    response = place(api, lines=[("SOCK-1", quantity)])
    # then a field error on that line's quantity, and no order
    assert "lines.0.quantity" in field_errors(response)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("quantity", ["1", True])
def test_a_cart_quantity_must_be_a_json_integer(api, world, quantity):
    cart = api.post("/carts", {"channel": "web", "device_id": "dev-1"}).json()
    response = api.put(f"/carts/{cart['id']}/lines", {"sku": "SOCK-1", "quantity": quantity})
    assert "quantity" in field_errors(response)


@pytest.mark.parametrize("amount", ["1e400", "1E5", "Infinity", "NaN", True, "123456789012345", "1.001"])
def test_a_payment_amount_must_be_a_plain_decimal(api, world, amount):
    # given a POS sale paid with an amount in exponent form, not finite, a boolean or too precise
    response = place(api, lines=[("SHOE-40", 1)], method="carry_out", location="SCL", channel="pos",
                     payments=[{"method": "card", "amount": {"amount": amount}}])
    # then a field error on that amount (once a server error), and no order
    assert "payments.0.amount.amount" in field_errors(response)
    assert Order.objects.count() == 0


def test_a_json_number_too_large_for_a_float_is_not_infinity(api, world):
    body = ('{"channel": "pos", "lines": [{"sku": "SHOE-40", "quantity": 1}], "delivery": {"method": "carry_out",'
            ' "location": "SCL"}, "payments": [{"method": "card", "amount": {"amount": 1e400}}]}')
    response = api.post("/orders", raw=body)
    assert response.status_code == 422, response.content
    assert Order.objects.count() == 0


def test_the_payment_webhook_refuses_deep_json_and_other_media_types(client, world):
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    response = client.post("/webhooks/payments/testpay", deep, content_type="application/json",
                           HTTP_X_TESTPAY_SIGNATURE=providers.sign(deep))
    assert response.status_code == 400
    form = b"type=payment.captured"
    response = client.post("/webhooks/payments/testpay", form, content_type="application/x-www-form-urlencoded",
                           HTTP_X_TESTPAY_SIGNATURE=providers.sign(form))
    assert response.status_code == 415


def test_a_payment_event_id_of_any_length_is_stored_once(api, client, customer_id):
    # given an order waiting for its card payment
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    payment_id = order["payments"][0]["id"]
    long_id = "evt-" + "x" * 400
    # when the provider delivers the same event, with a 404-character id, twice
    first = pay_by_webhook(client, payment_id, event_id=long_id)
    second = pay_by_webhook(client, payment_id, event_id=long_id)
    # then the first takes effect and the second is a replay, both answered 200
    assert first.status_code == 200, first.content
    assert second.status_code == 200, second.content
    assert first.json()["status"] == "captured" and second.json()["status"] == "replayed"
    assert ProviderEvent.objects.filter(provider="testpay").count() == 1

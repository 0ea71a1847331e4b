"""The test card-not-present provider: pending until its signed webhook says captured or failed."""

import urllib.request

import pytest

from omnicanal.orders import providers
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world, stock
from omnicanal.orders.tests.helpers import pay_by_webhook, place


@pytest.mark.django_db
def test_a_wrong_signature_changes_nothing_and_a_replay_takes_effect_once(api, client, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    pay_id = order["payments"][0]["id"]
    body = providers.webhook_body(event_id="e1", payment_id=pay_id, status="captured")
    bad = client.post("/webhooks/payments/testpay", body, content_type="application/json",
                      HTTP_X_TESTPAY_SIGNATURE="0" * 64)
    assert bad.status_code == 401
    assert Order.objects.get(public_id=order["id"]).status == "pending_payment"
    assert pay_by_webhook(client, pay_id, event_id="e1").json()["status"] == "captured"
    assert pay_by_webhook(client, pay_id, event_id="e1").json()["status"] == "replayed"
    assert Order.objects.get(public_id=order["id"]).status == "paid"


@pytest.mark.django_db
def test_a_failed_payment_cancels_the_order_and_releases_stock(api, client, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"], status="failed")
    assert Order.objects.get(public_id=order["id"]).status == "cancelled"
    assert stock("WH", "SHOE-41")["reserved"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_webhook_over_loopback_http_captures(live_server, api):
    # given an order whose card payment is pending
    make_world()
    order = place(api, lines=[("SOCK-1", 1)], customer_id=make_customer()).json()
    body = providers.webhook_body(event_id="loop-1", payment_id=order["payments"][0]["id"], status="captured")
    # when the provider calls us over HTTP on the loopback
    request = urllib.request.Request(f"{live_server.url}/webhooks/payments/testpay", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Testpay-Signature": providers.sign(body)})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    # then the order is paid
    assert Order.objects.get(public_id=order["id"]).status == "paid"

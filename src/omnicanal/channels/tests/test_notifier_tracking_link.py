"""The customer's tracking link (signed by orders, carried in the events' `tracking_url`) reaches the
order-confirmed, ready-for-pickup and shipped messages; the notifier never builds it."""

import pytest

from omnicanal.channels import notifier

LINK = "https://shop.example.cl/track/ord_1:sig/"


@pytest.mark.parametrize("key", ["order_confirmed", "ready_for_pickup", "shipped"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_messages_carry_the_tracking_link_from_the_payload(key, language):
    context = {"name": "Camila", "order_number": "AS-100001", "tracking_url": LINK, "business": "Andes Sport",
               "pickup_code": "4821", "location": "Tienda", "carrier": "Starken", "tracking": "ST1", "total": ""}
    assert LINK in notifier.render(key, language, context).body
    assert "/track/" not in notifier.render(key, language, {**context, "tracking_url": ""}).body


def test_the_context_takes_the_link_as_orders_gave_it():
    class Customer:
        name = "Camila Fuentes"

    assert notifier.context_for({"tracking_url": LINK}, Customer())["tracking_url"] == LINK

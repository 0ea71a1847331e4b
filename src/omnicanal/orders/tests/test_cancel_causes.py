"""A cancellation keeps its cause as a code beside the words given: the API's `reason` is still
taken as it was and an optional `cause` code added (an unknown one is a 422); the console offers the
causes staff may pick and shows the order's in words; erasure blanks the words and keeps the code;
OrderCancelled (and its webhook) carries the code."""

import pytest
from django.db import transaction

from omnicanal.core.errors import ValidationFailed
from omnicanal.core.models import OutboxEvent
from omnicanal.orders import queries, services
from omnicanal.orders.models import CancelCause, Order
from omnicanal.orders.tests.helpers import console_login, place

pytestmark = pytest.mark.django_db


def _placed(api, customer_id):
    return place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()["id"]


def _row(order_id):
    return Order.objects.get(public_id=order_id)


@pytest.mark.parametrize(("body", "cause"), [
    ({"reason": "Ana llamó: ya no lo quiere"}, "other"),  # words a person typed: other
    ({"reason": "Ana llamó", "cause": "customer_request"}, "customer_request"),
    ({"reason": "out_of_stock"}, "out_of_stock"),  # a reason that is a code counts as it
    ({}, ""),
])
def test_the_api_keeps_the_reason_as_given_and_the_cause_as_a_code(api, customer_id, body, cause):
    order_id = _placed(api, customer_id)

    answer = api.post(f"/orders/{order_id}/cancel", body)

    assert answer.status_code == 200, answer.content
    assert (_row(order_id).cancel_reason, _row(order_id).cancel_cause) == (body.get("reason", ""), cause)
    event = OutboxEvent.objects.get(topic="orders.OrderCancelled").payload
    assert event["cause"] == cause and event["reason"] == body.get("reason", "")
    # GET /orders/{id} says why and when, as a code (null when none was given)
    shown = api.get(f"/orders/{order_id}").json()
    assert shown["cancel_cause"] == (cause or None) and shown["cancelled_at"] is not None


def test_an_order_not_cancelled_shows_no_cause(api, customer_id):
    shown = api.get(f"/orders/{_placed(api, customer_id)}").json()
    assert (shown["cancel_cause"], shown["cancelled_at"]) == (None, None)


def test_an_unknown_cause_is_a_422_and_cancels_nothing(api, customer_id):
    order_id = _placed(api, customer_id)

    answer = api.post(f"/orders/{order_id}/cancel", {"cause": "she_was_rude"})

    assert answer.status_code == 422 and answer["Content-Type"].startswith("application/problem+json")
    assert _row(order_id).status != "cancelled"
    with pytest.raises(ValidationFailed), transaction.atomic():  # the service says the same
        services.do_cancel_order(order=_row(order_id), cause="she_was_rude")


def test_the_console_offers_the_staff_causes_and_shows_the_order_s_in_words(api, client, customer_id):
    order_id = _placed(api, customer_id)
    console_login(client, "manager")
    form = client.get(f"/console/orders/o/{order_id}/").content.decode()
    assert all(f'value="{code}"' in form for code in queries.STAFF_CANCEL_CAUSES)
    assert 'value="payment_failed"' not in form and 'value="marketplace"' not in form  # the system's own

    client.post(f"/console/orders/o/{order_id}/cancel/", {"cause": "suspected_fraud", "reason": "Tarjeta de otra persona",
                                                          "confirm": "yes"})

    assert (_row(order_id).status, _row(order_id).cancel_cause) == ("cancelled", "suspected_fraud")
    page = client.get(f"/console/orders/o/{order_id}/").content.decode()
    assert 'data-testid="order-cancel-cause">Sospecha de fraude<' in page  # the business's language


def test_erasure_blanks_the_words_and_keeps_the_code(api, customer_id):
    order_id = _placed(api, customer_id)
    api.post(f"/orders/{order_id}/cancel", {"reason": "Ana Pérez, Av. Italia 1", "cause": "out_of_stock"})

    with transaction.atomic():
        services.do_erase_customer(customer_id=customer_id)

    assert (_row(order_id).cancel_reason, _row(order_id).cancel_cause) == ("", "out_of_stock")
    assert queries.order_fact(order_id).cancel_cause == "out_of_stock"


def test_the_codes_are_the_models_and_staff_pick_among_them():
    assert queries.CANCEL_CAUSE_CODES == tuple(CancelCause.values)
    assert set(queries.STAFF_CANCEL_CAUSES) < set(queries.CANCEL_CAUSE_CODES)
    assert queries.cancel_cause_code("  ") == "" and queries.cancel_cause_code("marketplace") == "marketplace"
    assert queries.cancel_cause_code("Payment failed") == "payment_failed"  # the system's former words
    assert queries.cancel_cause_code("Ana se arrepintió") == "other"
